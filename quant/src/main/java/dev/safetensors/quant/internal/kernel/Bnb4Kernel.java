package dev.safetensors.quant.internal.kernel;

import dev.safetensors.internal.io.LittleEndian;
import dev.safetensors.DType;
import dev.safetensors.quant.UnpackedWeights;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * bitsandbytes 4-bit (NF4, FP4): the row-major flattened weight, two codes per byte with element {@code 2j}
 * in the <em>high</em> nibble, one absmax per block of {@code blockSize} flattened elements (blocks may run
 * across rows), values from the stored 16-entry codebook: {@code w[e] = codebook[code[e]] × absmax[e / blockSize]}
 * ({@code bitsandbytes/backends/default/ops.py}, {@code _dequantize_4bit_compute}). With nested ("double")
 * quantization the absmax are themselves 8-bit codes:
 * {@code absmax[b] = nestedCodebook[a[b]] × nestedAbsmax[b / nestedBlockSize] + offset}.
 */
public final class Bnb4Kernel implements Kernel {
    /** Nested absmax: 8-bit codes, their 256-entry codebook, per-block scales and the offset added back. */
    public record Nested(float[] codebook, MemorySegment nestedAbsmax, int blockSize, float offset) {
    }

    private final MemorySegment codes;
    private final long rows;
    private final int columns;
    private final float[] codebook;
    private final int blockSize;
    private final MemorySegment absmax;   // F32 per block, or U8 codes when nested
    private final Nested nested;          // null when absmax are plain F32

    public Bnb4Kernel(MemorySegment codes, long rows, int columns, float[] codebook, int blockSize, MemorySegment absmax,
            Nested nested) {
        this.codes = codes;
        this.rows = rows;
        this.columns = columns;
        this.codebook = codebook;
        this.blockSize = blockSize;
        this.absmax = absmax;
        this.nested = nested;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public int columns() {
        return columns;
    }

    /** The absmax of flattened block {@code b}. */
    float absmax(long b) {
        if (nested == null) {
            return absmax.get(LittleEndian.FLOAT, 4 * b);
        }
        int code = absmax.get(ValueLayout.JAVA_BYTE, b) & 0xFF;
        float scale = nested.nestedAbsmax().get(LittleEndian.FLOAT, 4 * (b / nested.blockSize()));
        return nested.codebook()[code] * scale + nested.offset();
    }

    @Override
    public void decode(long row, int count, DType dtype, MemorySegment dst, long offset) {
        float[] tile = new float[columns];
        float[] cb = codebook;
        for (int i = 0; i < count; i++) {
            long e = (row + i) * columns;
            long stop = e + columns;
            int o = 0;
            while (e < stop) {
                long block = e / blockSize;
                float a = absmax(block);
                long end = Math.min(stop, (block + 1) * blockSize);
                if ((e & 1) == 1) {
                    tile[o++] = cb[codes.get(ValueLayout.JAVA_BYTE, e >>> 1) & 0xF] * a;
                    e++;
                }
                for (; e + 1 < end; e += 2) {
                    int v = codes.get(ValueLayout.JAVA_BYTE, e >>> 1);
                    tile[o++] = cb[(v >>> 4) & 0xF] * a;
                    tile[o++] = cb[v & 0xF] * a;
                }
                if (e < end) {
                    tile[o++] = cb[(codes.get(ValueLayout.JAVA_BYTE, e >>> 1) >>> 4) & 0xF] * a;
                    e++;
                }
            }
            RowStore.store(tile, 0, columns, dtype, dst, offset + (long) i * columns);
        }
    }

    @Override
    public UnpackedWeights unpack(long row, int count) {
        byte[] q = new byte[count * columns];
        long first = row * columns;
        for (int i = 0; i < q.length; i++) {
            long e = first + i;
            int v = codes.get(ValueLayout.JAVA_BYTE, e >>> 1);
            q[i] = (byte) ((e & 1) == 0 ? (v >>> 4) & 0xF : v & 0xF);
        }
        // Blocks line up with rows only when a row is a whole number of blocks; otherwise one scale per element.
        boolean aligned = columns % blockSize == 0;
        int groupSize = aligned ? blockSize : 1;
        int groups = columns / groupSize;
        float[] s = new float[count * groups];
        for (int i = 0; i < s.length; i++) {
            s[i] = absmax((first + (long) i * groupSize) / blockSize);
        }
        return new UnpackedWeights(row, count, columns, q, codebook.clone(), groupSize, null, groups, s, null, null);
    }
}
