package dev.safetensors.cli;

/**
 * JSON for standard output in ASCII: every character beyond it as a {@code \\uXXXX} escape (a pair for those
 * beyond the BMP). JSON allows them anywhere a character beyond ASCII can be (inside strings), so the text reads
 * back the same, and it survives a stdout whose encoding is not UTF-8 ({@code LANG=C} turned names into '?').
 */
final class AsciiJson {
    private AsciiJson() {
    }

    static String of(String json) {
        StringBuilder sb = null;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c >= 0x80 && sb == null) {
                sb = new StringBuilder(json.length() + 64).append(json, 0, i);
            }
            if (sb != null) {
                if (c < 0x80) {
                    sb.append(c);
                } else {
                    sb.append(String.format("\\u%04x", (int) c));
                }
            }
        }
        return sb == null ? json : sb.toString();
    }
}
