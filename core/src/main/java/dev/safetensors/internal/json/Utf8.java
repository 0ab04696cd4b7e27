package dev.safetensors.internal.json;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 checks, encoding and code-point ordering, as Rust's {@code str} defines them. */
public final class Utf8 {
    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8() {
    }

    /**
     * Index of the first byte of the first invalid sequence in {@code b[from, to)}, or -1 when the range
     * is valid UTF-8. Overlong forms, encoded surrogates and code points above U+10FFFF are invalid.
     */
    public static int firstInvalid(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            // ASCII runs dominate headers: test eight bytes at a time.
            if (i + 8 <= to && (((long) LONGS.get(b, i)) & HIGH_BITS) == 0) {
                i += 8;
                continue;
            }
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int len;
            int lo = 0x80;
            int hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                len = 2;
            } else if (c >= 0xE0 && c <= 0xEF) {
                len = 3;
                if (c == 0xE0) {
                    lo = 0xA0;
                } else if (c == 0xED) {
                    hi = 0x9F;
                }
            } else if (c >= 0xF0 && c <= 0xF4) {
                len = 4;
                if (c == 0xF0) {
                    lo = 0x90;
                } else if (c == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                return i;
            }
            if (i + len > to) {
                return i;
            }
            int c1 = b[i + 1] & 0xFF;
            if (c1 < lo || c1 > hi) {
                return i;
            }
            for (int k = 2; k < len; k++) {
                if ((b[i + k] & 0xC0) != 0x80) {
                    return i;
                }
            }
            i += len;
        }
        return -1;
    }

    /**
     * {@code s} as strict UTF-8, or null when it holds a lone UTF-16 surrogate (which UTF-8 cannot encode;
     * {@link String#getBytes} would silently write {@code ?} instead). Text without surrogates skips the
     * encoder.
     */
    public static byte[] encode(CharSequence s) {
        boolean surrogates = false;
        for (int i = 0; i < s.length() && !surrogates; i++) {
            surrogates = Character.isSurrogate(s.charAt(i));
        }
        if (!surrogates) {
            return s.toString().getBytes(StandardCharsets.UTF_8);
        }
        try {
            ByteBuffer bb = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] out = new byte[bb.remaining()];
            bb.get(out);
            return out;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * Compares two strings by Unicode code point, which is the order of their UTF-8 bytes (Rust's
     * {@code String} order). {@link String#compareTo} compares UTF-16 units and differs for names that mix
     * U+E000..U+FFFF with supplementary characters.
     */
    public static int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                boolean xs = Character.isSurrogate(x);
                boolean ys = Character.isSurrogate(y);
                if (xs == ys) {
                    return x - y;
                }
                // A surrogate (code point >= U+10000) sorts after every other BMP character.
                return xs ? 1 : -1;
            }
        }
        return a.length() - b.length();
    }
}
