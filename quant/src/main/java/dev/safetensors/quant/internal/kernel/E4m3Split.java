package dev.safetensors.quant.internal.kernel;

/**
 * A block's BF16 outputs of F8_E4M3 codes split into 16-entry tables, so that a 16-byte shuffle looks them up.
 * Within a block every output is a function of its code, {@code out(c) = bf16(E4M3(c) × scale)}, the 256-entry
 * table of {@link LookupTile}. For a code {@code s.eeee.mmm} with a normal exponent the product keeps the code's
 * sign and exponent, shifted: its BF16 is {@code s << 15 | e << 7} plus a term of {@code mmm} alone (the rounded
 * significand and the scale's exponent). Split at the nibbles, {@code out(c) = HIGH[c >>> 4] + LOW[c & 15]}
 * (mod 2^16), where {@code HIGH[h] = s << 15 | (e >>> 1) << 8} has a zero low byte and is the same for every scale,
 * and {@code LOW} depends on the scale; subnormal codes (exponent 0) take a second {@code LOW}. So the output's
 * low byte is {@code LOW}'s and its high byte the byte sum of the two (a negative scale's sign bit in {@code LOW}
 * flips the code's, the sum wrapping). A block's split is checked against every entry of its table; a scale that
 * breaks it (zero, products that overflow or reach BF16's subnormals) leaves the block to the full table, and NaN
 * codes (S.1111.111) are never split: the caller looks them up there.
 */
final class E4m3Split {
    /** Bytes per block in the low-byte and high-byte arrays: {@code LOW} for normal codes, then for subnormal ones. */
    static final int SIZE = 32;
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
     * Splits the 256 entries of {@code tile}'s table from {@code entry} into {@code low[at, at + SIZE)} and
     * {@code high[at, at + SIZE)} (the low and high bytes of {@code LOW}, normal codes first); returns whether the
     * split gives every entry but the NaN codes'.
     */
    static boolean split(LookupTile tile, int entry, byte[] low, byte[] high, int at) {
        for (int l = 0; l < 16; l++) {
            // Exponent 1 (high nibble 1, HIGH = 0x0100) for the normal codes; exponent 0 for the others.
            int normal = tile.entry(entry + (0x10 | l)) - 0x100;
            int subnormal = tile.entry(entry + l);
            low[at + l] = (byte) normal;
            high[at + l] = (byte) (normal >> 8);
            low[at + 16 + l] = (byte) subnormal;
            high[at + 16 + l] = (byte) (subnormal >> 8);
        }
        for (int c = 0; c < 256; c++) {
            if ((c & 0x7F) == 0x7F) {
                continue;
            }
            int t = at + ((c & 0x70) == 0 ? 16 : 0) + (c & 15);
            int out = (HIGH[c >>> 4] + high[t]) << 8 | low[t] & 0xFF;
            if ((short) out != tile.entry(entry + c)) {
                return false;
            }
        }
        return true;
    }
}
