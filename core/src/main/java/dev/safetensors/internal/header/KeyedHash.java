package dev.safetensors.internal.header;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;

/**
 * SipHash-1-3 with a key drawn once per process: the hash of every table keyed by strings from a file.
 *
 * <p>A hash an attacker can compute lets a header choose names that all land in one slot, and opening
 * turns quadratic (names built from the blocks {@code Aa}/{@code BB} all collide under
 * {@link String#hashCode}). With a secret random key the attacker cannot aim: SipHash is a keyed
 * pseudo-random function, and SipHash-1-3 is what Rust's {@code HashMap} (so the reference) uses for the
 * same reason. It reads eight bytes per step, so it is also faster than a byte-at-a-time polynomial.
 */
public final class KeyedHash {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long K0;
    private static final long K1;

    static {
        ByteBuffer key = ByteBuffer.wrap(randomKey()).order(ByteOrder.LITTLE_ENDIAN);
        K0 = key.getLong(0);
        K1 = key.getLong(8);
    }

    private KeyedHash() {
    }

    /**
     * 16 random bytes: from /dev/urandom where there is one (what {@link SecureRandom} reads on Linux and macOS),
     * else from {@code SecureRandom}. Read directly because setting up the security providers costs a small
     * command tens of milliseconds of start-up (docs/benchmarks.md, "Start-up of a small command").
     */
    private static byte[] randomKey() {
        try (InputStream in = new FileInputStream("/dev/urandom")) {
            byte[] key = in.readNBytes(16);
            if (key.length == 16) {
                return key;
            }
        } catch (IOException | SecurityException e) {
            // no such device here: the platform's generator below
        }
        byte[] key = new byte[16];
        new SecureRandom().nextBytes(key);
        return key;
    }

    /** The process-keyed hash of {@code b[from, from + length)}, folded to 32 bits for table indexes. */
    public static int hash(byte[] b, int from, int length) {
        long h = sipHash(K0, K1, 1, 3, b, from, length);
        return (int) (h ^ (h >>> 32));
    }

    /** SipHash-c-d of {@code b[from, from + length)} under the key (k0, k1); the published algorithm. */
    static long sipHash(long k0, long k1, int c, int d, byte[] b, int from, int length) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int words = length >>> 3;
        // Steps 0..words-1 compress the message words, step `words` the last partial word with the
        // length, step `words + 1` finalises: one copy of the round function serves all three.
        for (int step = 0; step <= words + 1; step++) {
            long m = 0;
            int rounds = d;
            if (step < words) {
                m = (long) LONGS.get(b, from + 8 * step);
                rounds = c;
            } else if (step == words) {
                m = (long) length << 56;
                for (int k = 0; k < (length & 7); k++) {
                    m |= (b[from + 8 * words + k] & 0xFFL) << (8 * k);
                }
                rounds = c;
            } else {
                v2 ^= 0xFF;
            }
            v3 ^= m;
            for (int r = 0; r < rounds; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
