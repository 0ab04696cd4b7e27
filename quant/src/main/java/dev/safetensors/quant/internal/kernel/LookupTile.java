package dev.safetensors.quant.internal.kernel;

import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;

/**
 * BF16 by table. Within one scale group every output is a function of its code alone, so a
 * kernel fills a table per group (or per scale code) with {@code bf16((value(code) − zero) × scale)}, the
 * formula's own float operations rounded by core's {@code FloatEncoder} (NaN to 0x7FC0); each output is then one
 * table load instead of a multiply and a rounding, with bit-for-bit the same results. Used where a table serves
 * many elements (FP8 and int8 blocks, FP4 by scale code; with the vector loops, what E4M3's byte shuffles leave);
 * the outputs gather in a row tile copied out by {@link #store}, or go straight to the destination beside a
 * vector loop that stores there.
 * Confined to one decode call.
 */
final class LookupTile {
    private final short[] halves;
    private final short[] table;

    /** Room for {@code outputs} BF16 outputs and {@code entries} table entries. */
    LookupTile(int outputs, int entries) {
        halves = new short[outputs];
        table = new short[entries];
    }

    /** Entries {@code [at, at + n)}: {@code bf16((values[c] − zero) × scale)} for code {@code c}. */
    void table(int at, float[] values, int n, float zero, float scale) {
        for (int c = 0; c < n; c++) {
            table[at + c] = FloatEncoder.toBF16((values[c] - zero) * scale, Overflow.NON_SATURATING);
        }
    }

    /** Output {@code at + c − from} = entry {@code table + codes[c]} (unsigned) for {@code c} in {@code [from, to)}. */
    void bytes(byte[] codes, int from, int to, int table, int at) {
        short[] t = this.table;
        short[] o = halves;
        int d = at - from;
        for (int c = from; c < to; c++) {
            o[d + c] = t[table + (codes[c] & 0xFF)];
        }
    }

    /** BF16 element {@code at + c − from} of {@code dst} = entry {@code table + codes[c]}, straight to the segment. */
    void bytes(byte[] codes, int from, int to, int table, MemorySegment dst, long at) {
        short[] t = this.table;
        for (int c = from; c < to; c++) {
            dst.set(LittleEndian.SHORT, 2 * (at + c - from), t[table + (codes[c] & 0xFF)]);
        }
    }

    /** Two outputs per byte of {@code codes[from, to)}, the low nibble first, from output {@code at}. */
    void nibbleBytes(byte[] codes, int from, int to, int table, int at) {
        short[] t = this.table;
        short[] o = halves;
        int d = at - 2 * from;
        for (int c = from; c < to; c++) {
            int v = codes[c];
            o[d + 2 * c] = t[table + (v & 0xF)];
            o[d + 2 * c + 1] = t[table + ((v >>> 4) & 0xF)];
        }
    }

    /** Outputs {@code [from, from + count)} to BF16 elements {@code [offset, offset + count)} of {@code dst}. */
    void store(int from, int count, MemorySegment dst, long offset) {
        MemorySegment.copy(halves, from, dst, LittleEndian.SHORT, 2 * offset, count);
    }
}
