package dev.safetensors.internal.json;

import java.nio.charset.StandardCharsets;

/**
 * Decodes the text of a JSON string (escapes included) straight to UTF-8 bytes.
 *
 * <p>Straight to bytes, never through a UTF-16 buffer sized to the escaped text: a 10^8-byte header of
 * {@code \\u4e00} escapes (U+4E00) decodes into 5 × 10^7 bytes, not a 200 MB {@code StringBuilder}. The decoded form
 * is never longer than the escaped one ({@code \n} is 2 bytes for 1, {@code \\uXXXX} 6 for at most 3, a
 * surrogate pair 12 for 4), so the output may overwrite its own input: the header parser decodes names in
 * place and needs no memory for them at all. The text must have been checked by {@link JsonCursor#scanString}
 * first (valid escapes, surrogates in pairs).
 */
public final class JsonStrings {
    private JsonStrings() {
    }

    /**
     * Decodes {@code src[start, close)} into {@code dst} from {@code at}; {@code dst} may be {@code src} with
     * {@code at <= start}.
     *
     * @return the index in {@code dst} after the last decoded byte
     */
    public static int decode(byte[] src, int start, int close, byte[] dst, int at) {
        int i = start;
        int w = at;
        while (i < close) {
            int run = i;
            while (i < close && src[i] != '\\') {
                i++;
            }
            System.arraycopy(src, run, dst, w, i - run);   // handles the overlap of in-place decoding
            w += i - run;
            if (i >= close) {
                break;
            }
            byte e = src[i + 1];
            i += 2;
            switch (e) {
                case 'b' -> dst[w++] = '\b';
                case 'f' -> dst[w++] = '\f';
                case 'n' -> dst[w++] = '\n';
                case 'r' -> dst[w++] = '\r';
                case 't' -> dst[w++] = '\t';
                case 'u' -> {
                    int cp = hex4(src, i);
                    i += 4;
                    if (Character.isHighSurrogate((char) cp)) {
                        cp = Character.toCodePoint((char) cp, (char) hex4(src, i + 2));
                        i += 6;
                    }
                    w = utf8(cp, dst, w);
                }
                default -> dst[w++] = e;   // '"', '\\', '/'
            }
        }
        return w;
    }

    /** {@code src[start, close)} decoded, as a Java string. */
    public static String decode(byte[] src, int start, int close) {
        byte[] out = new byte[close - start];
        int n = decode(src, start, close, out, 0);
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    private static int hex4(byte[] b, int at) {
        return Character.digit(b[at], 16) << 12 | Character.digit(b[at + 1], 16) << 8
                | Character.digit(b[at + 2], 16) << 4 | Character.digit(b[at + 3], 16);
    }

    private static int utf8(int cp, byte[] dst, int w) {
        if (cp < 0x80) {
            dst[w++] = (byte) cp;
        } else if (cp < 0x800) {
            dst[w++] = (byte) (0xC0 | cp >>> 6);
            dst[w++] = (byte) (0x80 | cp & 0x3F);
        } else if (cp < 0x10000) {
            dst[w++] = (byte) (0xE0 | cp >>> 12);
            dst[w++] = (byte) (0x80 | cp >>> 6 & 0x3F);
            dst[w++] = (byte) (0x80 | cp & 0x3F);
        } else {
            dst[w++] = (byte) (0xF0 | cp >>> 18);
            dst[w++] = (byte) (0x80 | cp >>> 12 & 0x3F);
            dst[w++] = (byte) (0x80 | cp >>> 6 & 0x3F);
            dst[w++] = (byte) (0x80 | cp & 0x3F);
        }
        return w;
    }
}
