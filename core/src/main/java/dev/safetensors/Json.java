package dev.safetensors;

/**
 * JSON string quoting exactly as serde_json (and so the reference writer) writes it: {@code "} and
 * {@code \} escaped, U+0008/09/0A/0C/0D as {@code \b \t \n \f \r}, other control characters as
 * lowercase <code>&#92;u00XX</code>, and everything else, {@code /} and non-ASCII included, as is.
 *
 * <pre>{@code
 * Json.quote("tab\there")   // the 11 characters "tab\there", quotes included
 * }</pre>
 */
public final class Json {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Json() {
    }

    /** {@code s} as a JSON string literal, quotes included. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        appendQuoted(sb, s);
        return sb.toString();
    }

    /** Appends {@code s} as a JSON string literal, quotes included. */
    public static void appendQuoted(StringBuilder sb, String s) {
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
                    if (c < 0x20) {
                        sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
