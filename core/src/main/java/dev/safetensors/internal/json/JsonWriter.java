package dev.safetensors.internal.json;

import java.util.List;
import java.util.Map;

/**
 * JSON text as the two writers this project must match spell it. One string escaper serves both:
 *
 * <ul>
 *   <li>{@link Style#SERDE}: serde_json, and so the reference's header writer: {@code "} and {@code \}
 *       escaped, U+0008/09/0A/0C/0D as {@code \b \t \n \f \r}, other control characters as lowercase
 *       <code>&#92;u00XX</code>, everything else (non-ASCII included) as is;</li>
 *   <li>{@link Style#PYTHON}: Python's {@code json.dumps} with its default {@code ensure_ascii=True}, as
 *       transformers writes index files: the same, plus every character outside U+0020..U+007E as a
 *       <code>&#92;uXXXX</code> escape (UTF-16 units).</li>
 * </ul>
 *
 * <pre>{@code
 * JsonWriter.quote("tab\there")   // the 11 characters "tab\there", quotes included
 * }</pre>
 */
public final class JsonWriter {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** Which writer's escaping to follow. */
    public enum Style {
        SERDE,
        PYTHON
    }

    private JsonWriter() {
    }

    /** {@code s} as a serde_json string literal, quotes included. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        appendQuoted(sb, s);
        return sb.toString();
    }

    /** Appends {@code s} as a serde_json string literal, quotes included. */
    public static void appendQuoted(StringBuilder sb, String s) {
        appendString(sb, s, Style.SERDE);
    }

    /** Appends {@code s} as a string literal in the given style, quotes included. */
    public static void appendString(StringBuilder sb, String s, Style style) {
        sb.append('"');
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || (style == Style.PYTHON && c > 0x7E)) {
                        sb.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF])
                                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /**
     * Appends a plain Java value as JSON in the given style: null, String, Boolean, Number, List and Map
     * (keys in the map's order), compact.
     */
    public static void appendValue(StringBuilder sb, Object v, Style style) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> appendString(sb, s, style);
            case Boolean b -> sb.append(b ? "true" : "false");
            case Number n -> sb.append(n);
            case List<?> list -> {
                sb.append('[');
                for (int i = 0; i < list.size(); i++) {
                    sb.append(i == 0 ? "" : ", ");
                    appendValue(sb, list.get(i), style);
                }
                sb.append(']');
            }
            case Map<?, ?> map -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    sb.append(first ? "" : ", ");
                    appendString(sb, String.valueOf(e.getKey()), style);
                    sb.append(": ");
                    appendValue(sb, e.getValue(), style);
                    first = false;
                }
                sb.append('}');
            }
            default -> appendString(sb, v.toString(), style);
        }
    }
}
