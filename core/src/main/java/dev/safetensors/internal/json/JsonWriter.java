package dev.safetensors.internal.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Arrays;
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
     * Appends a plain Java value as compact JSON in the given style ({@code ", "} and {@code ": "} between
     * members, as Python's {@code json.dumps}): null, String, Boolean, {@link JsonNumber} (its text), the
     * JDK's numbers, List and Map (keys in the map's order).
     *
     * @throws IllegalArgumentException for any other type, a non-string key, NaN or an infinity (JSON has none)
     */
    public static void appendValue(StringBuilder sb, Object v, Style style) {
        switch (v) {
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
                    appendString(sb, key(e.getKey()), style);
                    sb.append(": ");
                    appendValue(sb, e.getValue(), style);
                    first = false;
                }
                sb.append('}');
            }
            case null, default -> appendScalar(sb, v, style);
        }
    }

    /**
     * Appends {@code v} as Python's {@code json.dumps(v, indent=2, sort_keys=True)} writes it (how transformers
     * writes an index), starting at nesting {@code level}: every member on its own line, keys sorted by code
     * point, non-ASCII escaped, numbers as {@link #appendValue} writes them.
     */
    public static void appendIndented(StringBuilder sb, Object v, int level) {
        switch (v) {
            case List<?> list when !list.isEmpty() -> {
                sb.append('[');
                for (int i = 0; i < list.size(); i++) {
                    newline(sb.append(i == 0 ? "" : ","), level + 1);
                    appendIndented(sb, list.get(i), level + 1);
                }
                newline(sb, level).append(']');
            }
            case Map<?, ?> map when !map.isEmpty() -> {
                String[] keys = new String[map.size()];
                int k = 0;
                for (Object key : map.keySet()) {
                    keys[k++] = key(key);
                }
                Arrays.sort(keys, Utf8::compare);
                sb.append('{');
                for (int i = 0; i < keys.length; i++) {
                    newline(sb.append(i == 0 ? "" : ","), level + 1);
                    appendString(sb, keys[i], Style.PYTHON);
                    sb.append(": ");
                    appendIndented(sb, map.get(keys[i]), level + 1);
                }
                newline(sb, level).append('}');
            }
            case null, default -> appendValue(sb, v, Style.PYTHON);
        }
    }

    private static StringBuilder newline(StringBuilder sb, int level) {
        return sb.append('\n').repeat(' ', 2 * level);
    }

    private static String key(Object key) {
        if (key instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("JSON object keys are strings, got " + (key == null ? "null" : key.getClass().getName()));
    }

    private static void appendScalar(StringBuilder sb, Object v, Style style) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> appendString(sb, s, style);
            case Boolean b -> sb.append(b ? "true" : "false");
            case JsonNumber n -> sb.append(n.text());
            case Long n -> sb.append(n);
            case Integer n -> sb.append(n);
            case Short n -> sb.append(n);
            case Byte n -> sb.append(n);
            case BigInteger n -> sb.append(n);
            case BigDecimal n -> sb.append(n);
            case Double d -> sb.append(pythonFloat(d));
            case Float f -> sb.append(pythonFloat(Double.parseDouble(Float.toString(f))));
            case List<?> list -> appendValue(sb, list, style);
            case Map<?, ?> map -> appendValue(sb, map, style);
            default -> throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON: use "
                    + "String, Boolean, a number, List, Map or null");
        }
    }

    /**
     * A double as Python's {@code repr} spells it, which is what {@code json.dumps} writes: the shortest digits
     * that read back as the same double, positional from 1e-4 up to 1e16 ({@code 0.0001}, {@code 100.0}),
     * otherwise with an exponent of at least two digits ({@code 1e-05}, {@code 1e+20}, {@code 1.5e+300}).
     */
    static String pythonFloat(double d) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("JSON has no " + d);
        }
        StringBuilder sb = new StringBuilder(24);
        if (d < 0 || (d == 0 && 1 / d < 0)) {
            sb.append('-');
        }
        if (d == 0) {
            return sb.append("0.0").toString();
        }
        // Double.toString gives the shortest digits that round-trip (JDK 19 on), as repr does, except that it
        // always writes two in scientific notation: 4.9E-324 where repr finds that 5e-324 reads back the same.
        double abs = Math.abs(d);
        BigDecimal b = new BigDecimal(Double.toString(abs)).stripTrailingZeros();
        if (b.precision() == 2) {
            BigDecimal one = b.round(new MathContext(1, RoundingMode.HALF_EVEN));
            if (Double.parseDouble(one.toString()) == abs) {
                b = one.stripTrailingZeros();
            }
        }
        String digits = b.unscaledValue().toString();
        int point = digits.length() - b.scale();      // value = 0.digits x 10^point
        if (point > -4 && point <= 16) {
            if (point <= 0) {
                sb.append("0.").repeat('0', -point).append(digits);
            } else if (point >= digits.length()) {
                sb.append(digits).repeat('0', point - digits.length()).append(".0");
            } else {
                sb.append(digits, 0, point).append('.').append(digits, point, digits.length());
            }
        } else {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            int exponent = point - 1;
            sb.append('e').append(exponent < 0 ? '-' : '+');
            if (Math.abs(exponent) < 10) {
                sb.append('0');
            }
            sb.append(Math.abs(exponent));
        }
        return sb.toString();
    }
}
