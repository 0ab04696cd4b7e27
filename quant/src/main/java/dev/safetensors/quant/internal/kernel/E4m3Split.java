package dev.safetensors.quant.internal.kernel;

import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;

/**
 * A block's BF16 outputs of F8_E4M3 codes split into 16-entry tables, so that a 16-byte shuffle looks them up.
 * Within a block every output is a function of its code, {@code out(c) = bf16(E4M3(c) × scale)}, as {@link
 * LookupTile#table} computes it. For a code {@code s.eeee.mmm} the product keeps the code's sign and exponent,
 * shifted: while every product of the block stays normal and finite, in F32 and in BF16, scaling by a power of two
 * commutes with both roundings, so the BF16 of a code is that of the same mantissa at a lower exponent plus the
 * exponents' difference {@code << 7}. Split at the nibbles, {@code out(c) = HIGH[c >>> 4] + LOW[c & 15]} (mod 2^16),
 * where {@code HIGH[h] = s << 15 | (h & 7) << 8} has a zero low byte and is the same for every scale, and {@code LOW}
 * holds the outputs of codes 0x10–0x1F (exponents 2 and 3) less {@code 0x100}; codes of high nibble 0 or 8
 * (exponents 0 and 1: the subnormal codes and the smallest normal ones) take a second {@code LOW}, their own
 * outputs. So the output's low byte is {@code LOW}'s and its high byte the byte sum of the two (a negative scale's
 * sign bit in {@code LOW} flips the code's, the sum wrapping; BF16 rounding is symmetric in sign). NaN codes
 * (S.1111.111) are not split: the caller looks them up in the full table.
 */
final class E4m3Split {
    /** Bytes per block in the low-byte and high-byte arrays: {@code LOW} for high nibbles 1–7, then for 0 and 8. */
    static final int SIZE = 32;
    /**
     * The scales split, by magnitude: from code 0x10's 2^−5 to 448, every product then lies in
     * [2^−124, 2^109], normal and finite in F32 and BF16 (a margin on each side).
     */
    private static final float SMALLEST = 0x1p-119f;
    private static final float LARGEST = 0x1p100f;
    /** {@code HIGH}'s high bytes: a code's sign to bit 7, its exponent's top three bits to bits 0-2. */
    private static final byte[] HIGH = new byte[16];

    static {
        for (int h = 0; h < 16; h++) {
            HIGH[h] = (byte) ((h & 8) << 4 | (h & 7));
        }
    }

    private E4m3Split() {
    }

    /** {@code HIGH}'s sixteen high bytes (a copy). */
    static byte[] high() {
        return HIGH.clone();
    }

    /**
     * Splits the outputs of the codes, whose values are {@code values}, times {@code scale} into
     * {@code low[at, at + SIZE)} and {@code high[at, at + SIZE)} (the low and high bytes of {@code LOW}, high
     * nibbles 1–7 first); returns false, for the full table instead, where the scale's magnitude lies outside
     * [2^−119, 2^100] (zero, NaN and infinities included). 32 outputs computed, not 256.
     */
    static boolean split(float[] values, float scale, byte[] low, byte[] high, int at) {
        float magnitude = Math.abs(scale);
        if (!(magnitude >= SMALLEST && magnitude <= LARGEST)) {
            return false;
        }
        for (int l = 0; l < 16; l++) {
            int shifted = bf16(values[0x10 | l], scale) - 0x100;   // HIGH[1] = 0x0100
            int own = bf16(values[l], scale);
            low[at + l] = (byte) shifted;
            high[at + l] = (byte) (shifted >> 8);
            low[at + 16 + l] = (byte) own;
            high[at + 16 + l] = (byte) (own >> 8);
        }
        return true;
    }

    /** As {@link LookupTile#table} computes an entry (its zero point is 0 here). */
    private static short bf16(float value, float scale) {
        return FloatEncoder.toBF16((value - 0f) * scale, Overflow.NON_SATURATING);
    }
}
