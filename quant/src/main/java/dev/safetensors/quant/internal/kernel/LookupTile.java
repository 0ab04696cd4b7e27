package dev.safetensors.quant.internal.kernel;

import dev.safetensors.DType;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;

/**
 * Table-driven decoding into finished output. Within one scale group every output value is a function of its
 * code alone, so a kernel fills a small table per group, {@code (value(code) − zero) × scale} with the formula's
 * own float operations (rounded to BF16 by core's {@code FloatEncoder}, NaN to 0x7FC0), and each output is then
 * one table load: the multiply and the rounding run once per group and code instead of once per element, with
 * bit-for-bit the same results. Output rows are BF16 bits ({@code short[]}) or F32 ({@code float[]}), copied
 * into the destination by {@link #store}. Each lookup loop comes once per output width (Java has no generics
 * over primitives); a tile is confined to one decode call.
 */
final class LookupTile {
    private final boolean bf16;
    private final short[] halves;
    private final float[] floats;
    private final short[] halfTable;
    private final float[] floatTable;

    /** Room for {@code outputs} elements of {@code dtype} (F32 or BF16) and {@code entries} table entries. */
    LookupTile(DType dtype, int outputs, int entries) {
        bf16 = dtype == DType.BF16;
        halves = bf16 ? new short[outputs] : null;
        floats = bf16 ? null : new float[outputs];
        halfTable = bf16 ? new short[entries] : null;
        floatTable = bf16 ? null : new float[entries];
    }

    /** Entries {@code [at, at + n)}: {@code (values[c] − zero) × scale} for code {@code c}. */
    void table(int at, float[] values, int n, float zero, float scale) {
        if (bf16) {
            for (int c = 0; c < n; c++) {
                halfTable[at + c] = FloatEncoder.toBF16((values[c] - zero) * scale, Overflow.NON_SATURATING);
            }
        } else {
            for (int c = 0; c < n; c++) {
                floatTable[at + c] = (values[c] - zero) * scale;
            }
        }
    }

    /** Entries {@code [at, at + n)} for integer codes: {@code (c − zero) × scale}, the int difference made float. */
    void table(int at, int n, int zero, float scale) {
        if (bf16) {
            for (int c = 0; c < n; c++) {
                halfTable[at + c] = FloatEncoder.toBF16((c - zero) * scale, Overflow.NON_SATURATING);
            }
        } else {
            for (int c = 0; c < n; c++) {
                floatTable[at + c] = (c - zero) * scale;
            }
        }
    }

    /** Eight outputs per word of {@code words[from, from + n)}, nibble 0 (the lowest) first, from output {@code at}. */
    void nibbles(int[] words, int from, int n, int table, int at) {
        if (bf16) {
            short[] t = halfTable;
            short[] o = halves;
            for (int i = 0; i < n; i++) {
                int w = words[from + i];
                int e = at + 8 * i;
                o[e] = t[table + (w & 0xF)];
                o[e + 1] = t[table + ((w >>> 4) & 0xF)];
                o[e + 2] = t[table + ((w >>> 8) & 0xF)];
                o[e + 3] = t[table + ((w >>> 12) & 0xF)];
                o[e + 4] = t[table + ((w >>> 16) & 0xF)];
                o[e + 5] = t[table + ((w >>> 20) & 0xF)];
                o[e + 6] = t[table + ((w >>> 24) & 0xF)];
                o[e + 7] = t[table + (w >>> 28)];
            }
        } else {
            float[] t = floatTable;
            float[] o = floats;
            for (int i = 0; i < n; i++) {
                int w = words[from + i];
                int e = at + 8 * i;
                o[e] = t[table + (w & 0xF)];
                o[e + 1] = t[table + ((w >>> 4) & 0xF)];
                o[e + 2] = t[table + ((w >>> 8) & 0xF)];
                o[e + 3] = t[table + ((w >>> 12) & 0xF)];
                o[e + 4] = t[table + ((w >>> 16) & 0xF)];
                o[e + 5] = t[table + ((w >>> 20) & 0xF)];
                o[e + 6] = t[table + ((w >>> 24) & 0xF)];
                o[e + 7] = t[table + (w >>> 28)];
            }
        }
    }

    /** Output {@code at + k − from} = entry {@code (words[k] >>> shift) & 0xF}, one nibble of each word (AWQ). */
    void nibbleColumn(int[] words, int from, int to, int shift, int table, int at) {
        int d = at - from;
        if (bf16) {
            for (int k = from; k < to; k++) {
                halves[d + k] = halfTable[table + ((words[k] >>> shift) & 0xF)];
            }
        } else {
            for (int k = from; k < to; k++) {
                floats[d + k] = floatTable[table + ((words[k] >>> shift) & 0xF)];
            }
        }
    }

    /** Output {@code at + c − from} = entry {@code codes[c]} (unsigned) for {@code c} in {@code [from, to)}. */
    void bytes(byte[] codes, int from, int to, int table, int at) {
        int d = at - from;
        if (bf16) {
            for (int c = from; c < to; c++) {
                halves[d + c] = halfTable[table + (codes[c] & 0xFF)];
            }
        } else {
            for (int c = from; c < to; c++) {
                floats[d + c] = floatTable[table + (codes[c] & 0xFF)];
            }
        }
    }

    /** Two outputs per byte of {@code codes[from, to)}, the low nibble first, from output {@code at}. */
    void nibbleBytes(byte[] codes, int from, int to, int table, int at) {
        int d = at - 2 * from;
        if (bf16) {
            for (int c = from; c < to; c++) {
                int v = codes[c];
                halves[d + 2 * c] = halfTable[table + (v & 0xF)];
                halves[d + 2 * c + 1] = halfTable[table + ((v >>> 4) & 0xF)];
            }
        } else {
            for (int c = from; c < to; c++) {
                int v = codes[c];
                floats[d + 2 * c] = floatTable[table + (v & 0xF)];
                floats[d + 2 * c + 1] = floatTable[table + ((v >>> 4) & 0xF)];
            }
        }
    }

    /** Outputs {@code [from, from + count)} to elements {@code [offset, offset + count)} of {@code dst}. */
    void store(int from, int count, MemorySegment dst, long offset) {
        if (bf16) {
            MemorySegment.copy(halves, from, dst, LittleEndian.SHORT, 2 * offset, count);
        } else {
            MemorySegment.copy(floats, from, dst, LittleEndian.FLOAT, 4 * offset, count);
        }
    }
}
