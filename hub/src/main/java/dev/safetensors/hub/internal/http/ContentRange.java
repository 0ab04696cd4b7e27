package dev.safetensors.hub.internal.http;

/**
 * A {@code Content-Range} header: {@code bytes FIRST-LAST/TOTAL}, or {@code bytes *}{@code /TOTAL} when a range
 * could not be served (RFC 9110 §14.4). An unknown total ({@code *}) is -1.
 */
public record ContentRange(long first, long last, long total) {

    /** The header's value, or null when absent or malformed. */
    public static ContentRange parse(String header) {
        if (header == null) {
            return null;
        }
        String h = header.strip();
        if (!h.regionMatches(true, 0, "bytes ", 0, 6)) {
            return null;
        }
        h = h.substring(6).strip();
        int slash = h.indexOf('/');
        if (slash < 0) {
            return null;
        }
        try {
            String totalText = h.substring(slash + 1).strip();
            long total = totalText.equals("*") ? -1 : Long.parseLong(totalText);
            String range = h.substring(0, slash).strip();
            if (range.equals("*")) {
                return total < 0 ? null : new ContentRange(-1, -1, total);
            }
            int dash = range.indexOf('-');
            long first = Long.parseLong(range.substring(0, dash));
            long last = Long.parseLong(range.substring(dash + 1));
            if (first < 0 || last < first || (total >= 0 && last >= total)) {
                return null;
            }
            return new ContentRange(first, last, total);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
