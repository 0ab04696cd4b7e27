package dev.safetensors.internal.text;

import dev.safetensors.Shape;
import java.nio.charset.StandardCharsets;
import java.util.PrimitiveIterator;

/**
 * Shortens what a file can make arbitrarily long (names, dtype strings, metadata keys, shapes) before it
 * goes into a message or a table, so that output stays proportional to what a person can read, not to the
 * input: a 10 MB name or a shape of 10^6 dimensions is shown by its head, its tail and how much was left
 * out. Short values, which is every value a real file holds, come out unchanged.
 *
 * <pre>{@code
 * Elide.text("a".repeat(10_000));          // aaa…aaa...(9,850 more characters)...aaa…aaa
 * Elide.shape(10000, 1, 1, …, 1, 2);       // [10000, 1 x 100000, 2]
 * }</pre>
 */
public final class Elide {
    /** Longer text is elided in the middle. */
    public static final int MAX_TEXT = 200;
    /** Longer shape text is shown in runs ({@code 1 x 100000}) and, if still long, by its ends. */
    public static final int MAX_SHAPE = 120;

    private static final int HEAD_GROUPS = 8;
    private static final int TAIL_GROUPS = 3;
    /** A run of equal dimensions is written {@code d x n} from this length on. */
    private static final int MIN_RUN = 3;

    private Elide() {
    }

    /** Longer messages are shortened (see {@link #message}). */
    public static final int MAX_MESSAGE = 2000;

    /**
     * A whole error message, shortened only when it is longer than {@link #MAX_MESSAGE}: first every
     * {@code `quoted`} part (names, keys, dtypes) longer than {@link #MAX_TEXT}, then, if still too long, the
     * middle of the message. The last line of defence, for messages built from a name nobody elided.
     */
    public static String message(String detail) {
        if (detail.length() <= MAX_MESSAGE) {
            return detail;
        }
        StringBuilder sb = new StringBuilder(MAX_MESSAGE);
        int i = 0;
        while (i < detail.length()) {
            int open = detail.indexOf('`', i);
            int close = open < 0 ? -1 : detail.indexOf('`', open + 1);
            if (close < 0) {
                sb.append(detail, i, detail.length());
                break;
            }
            sb.append(detail, i, open + 1).append(text(detail.substring(open + 1, close))).append('`');
            i = close + 1;
        }
        return text(sb.toString(), MAX_MESSAGE);
    }

    /** {@code s} itself when at most {@link #MAX_TEXT} characters, else its ends and the count in between. */
    public static String text(String s) {
        return text(s, MAX_TEXT);
    }

    /** {@code s} itself when at most {@code max} characters, else its ends and the count in between. */
    public static String text(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int tail = Math.max(1, max / 4);
        int head = Math.max(1, max - tail - gap(s.length(), "characters").length());   // the gap can only be shorter
        if (Character.isHighSurrogate(s.charAt(head - 1))) {
            head--;   // never split a surrogate pair
        }
        if (Character.isLowSurrogate(s.charAt(s.length() - tail))) {
            tail--;
        }
        return s.substring(0, head) + gap(s.length() - head - tail, "characters") + s.substring(s.length() - tail);
    }

    /**
     * The UTF-8 bytes {@code b[from, to)} as text, elided like {@link #text(String)} without decoding the
     * part left out (the bytes are valid UTF-8).
     */
    public static String utf8(byte[] b, int from, int to) {
        if (to - from <= MAX_TEXT) {
            return new String(b, from, to - from, StandardCharsets.UTF_8);
        }
        int tail = MAX_TEXT / 4;
        int head = MAX_TEXT - tail - gap(to - from, "bytes").length();
        int headEnd = from + head;
        while (headEnd > from && (b[headEnd] & 0xC0) == 0x80) {
            headEnd--;   // cut before a continuation byte: on a character boundary
        }
        int tailStart = to - tail;
        while (tailStart < to && (b[tailStart] & 0xC0) == 0x80) {
            tailStart++;
        }
        return new String(b, from, headEnd - from, StandardCharsets.UTF_8) + gap(tailStart - headEnd, "bytes")
                + new String(b, tailStart, to - tailStart, StandardCharsets.UTF_8);
    }

    /** A shape as {@link Shape#toString()} writes it when short, else in runs and by its ends. */
    public static String shape(Shape s) {
        return dims(s.rank(), new PrimitiveIterator.OfLong() {
            private int i;

            @Override
            public boolean hasNext() {
                return i < s.rank();
            }

            @Override
            public long nextLong() {
                return s.dim(i++);
            }
        });
    }

    /**
     * {@code rank} dimensions read once from {@code dims}: {@code [2, 3]} when short; otherwise runs of equal
     * dimensions are written {@code 1 x 100000}, and past {@value #HEAD_GROUPS} groups only the first
     * and the last {@value #TAIL_GROUPS} are kept, with the number of dimensions in between.
     */
    public static String dims(int rank, PrimitiveIterator.OfLong dims) {
        StringBuilder plain = rank <= MAX_SHAPE / 2 ? new StringBuilder("[") : null;
        Runs runs = new Runs();
        for (int i = 0; dims.hasNext(); i++) {
            long d = dims.nextLong();
            if (plain != null) {
                plain.append(i == 0 ? "" : ", ").append(Long.toUnsignedString(d));
            }
            runs.add(d);
        }
        if (plain != null && plain.length() < MAX_SHAPE) {
            return plain.append(']').toString();
        }
        return runs.finish(rank);
    }

    /** Groups of equal dimensions, keeping the first groups and a ring of the last ones. */
    private static final class Runs {
        private final StringBuilder head = new StringBuilder("[");
        private final long[] tailValue = new long[TAIL_GROUPS];
        private final long[] tailCount = new long[TAIL_GROUPS];
        private int groups;
        private long headDims;
        private long value;
        private long count;

        void add(long d) {
            if (count > 0 && d == value) {
                count++;
                return;
            }
            close();
            value = d;
            count = 1;
        }

        private void close() {
            if (count == 0) {
                return;
            }
            if (groups < HEAD_GROUPS) {
                head.append(groups == 0 ? "" : ", ").append(group(value, count));
                headDims += count;
            } else {
                tailValue[(groups - HEAD_GROUPS) % TAIL_GROUPS] = value;
                tailCount[(groups - HEAD_GROUPS) % TAIL_GROUPS] = count;
            }
            groups++;
        }

        String finish(long rank) {
            close();
            if (groups <= HEAD_GROUPS) {
                return head.append(']').toString();
            }
            int kept = Math.min(TAIL_GROUPS, groups - HEAD_GROUPS);
            long tailDims = 0;
            StringBuilder tail = new StringBuilder();
            for (int k = groups - kept; k < groups; k++) {
                int slot = (k - HEAD_GROUPS) % TAIL_GROUPS;
                tail.append(", ").append(group(tailValue[slot], tailCount[slot]));
                tailDims += tailCount[slot];
            }
            long between = rank - headDims - tailDims;
            if (between > 0) {
                head.append(", ...(").append(String.format("%,d", between)).append(" more dimensions)...");
            }
            return head.append(tail).append(']').toString();
        }

        private static String group(long value, long count) {
            String v = Long.toUnsignedString(value);
            if (count >= MIN_RUN) {
                return v + " x " + count;
            }
            return count == 2 ? v + ", " + v : v;
        }
    }

    private static String gap(long count, String unit) {
        return "...(" + String.format("%,d", count) + " more " + unit + ")...";
    }
}
