package dev.safetensors.quant.internal.kernel;

import dev.safetensors.internal.io.LittleEndian;
import dev.safetensors.DType;
import dev.safetensors.quant.UnpackedWeights;
import java.lang.foreign.MemorySegment;

/**
 * Unsigned {@code bits}-wide codes packed along each row into 32-bit words (compressed-tensors
 * {@code pack-quantized}, MLX affine), one scale per group of a row, groups of {@code groupSize} consecutive
 * columns or given per column ({@code weight_g_idx}), relative to an {@link IntOffset}.
 */
public final class PackedRowKernel implements Kernel {
    private final MemorySegment words;
    private final long rows;
    private final int columns;
    private final int bits;
    private final boolean dense;
    private final long rowBytes;
    private final int groupSize;
    private final int[] groupIndex;     // null: column c is in group c / groupSize
    private final FloatMatrix scales;   // [rows, groups]
    private final IntOffset offset;

    public PackedRowKernel(MemorySegment words, long rows, int columns, int bits, boolean dense, long rowWords,
            int groupSize, int[] groupIndex, FloatMatrix scales, IntOffset offset) {
        this.words = words;
        this.rows = rows;
        this.columns = columns;
        this.bits = bits;
        this.dense = dense;
        this.rowBytes = rowWords * 4;
        this.groupSize = groupSize;
        this.groupIndex = groupIndex;
        this.scales = scales;
        this.offset = offset;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public int columns() {
        return columns;
    }

    @Override
    public void decode(long row, int count, DType dtype, MemorySegment dst, long offset) {
        int groups = scales.columns();
        float[] s = new float[groups];
        float[] z = new float[groups];
        boolean bias = this.offset instanceof IntOffset.Biases;
        float[] tile = new float[columns];
        int[] words = bits == 4 && groupIndex == null ? new int[(int) (rowBytes / 4)] : null;
        for (int i = 0; i < count; i++) {
            long r = row + i;
            loadGroups(r, s, z);
            long base = r * rowBytes;
            if (words != null) {
                MemorySegment.copy(this.words, LittleEndian.INT, base, words, 0, words.length);
                nibbleRow(words, s, z, bias, tile);
            } else {
                for (int c = 0; c < columns; c++) {
                    int g = groupIndex == null ? c / groupSize : groupIndex[c];
                    int q = code(base, c);
                    tile[c] = bias ? q * s[g] + z[g] : (q - z[g]) * s[g];
                }
            }
            RowStore.store(tile, 0, columns, dtype, dst, offset + (long) i * columns);
        }
    }

    /** 4-bit codes, eight per word in both packings: a whole word at a time. */
    private void nibbleRow(int[] words, float[] s, float[] z, boolean bias, float[] tile) {
        int c = 0;
        while (c < columns) {
            int g = c / groupSize;
            int end = Math.min(columns, (g + 1) * groupSize);
            float scale = s[g];
            float zero = z[g];
            if (Simd.ENABLED && (c & 7) == 0 && (end & 7) == 0) {
                if (bias) {
                    VectorLoops.int4Affine(words, c / 8, (end - c) / 8, scale, zero, tile, c);
                } else {
                    VectorLoops.int4(words, c / 8, (end - c) / 8, zero, scale, tile, c);
                }
                c = end;
            }
            for (; c < end; c++) {
                int q = (words[c >>> 3] >>> (4 * (c & 7))) & 0xF;
                tile[c] = bias ? q * scale + zero : (q - zero) * scale;
            }
        }
    }

    private int code(long base, long c) {
        return dense ? BitFields.dense(words, base, 4, c, bits) : BitFields.aligned(words, base, 4, c, bits);
    }

    /** The scales of row {@code r} into {@code s}, its zero points (or MLX biases) into {@code z}. */
    private void loadGroups(long r, float[] s, float[] z) {
        scales.row(r, s);
        switch (offset) {
            case IntOffset.Constant c -> java.util.Arrays.fill(z, c.zero());
            case IntOffset.Biases b -> b.biases().row(r, z);
            case IntOffset.PackedZeros p -> {
                for (int g = 0; g < z.length; g++) {
                    long stride = 4L * p.groups();
                    z[g] = p.dense() ? BitFields.dense(p.words(), 4L * g, stride, r, bits)
                            : BitFields.aligned(p.words(), 4L * g, stride, r, bits);
                }
            }
        }
    }

    @Override
    public UnpackedWeights unpack(long row, int count) {
        int groups = scales.columns();
        byte[] q = new byte[count * columns];
        float[] s = new float[count * groups];
        float[] z = new float[count * groups];
        float[] sr = new float[groups];
        float[] zr = new float[groups];
        for (int i = 0; i < count; i++) {
            long r = row + i;
            loadGroups(r, sr, zr);
            System.arraycopy(sr, 0, s, i * groups, groups);
            System.arraycopy(zr, 0, z, i * groups, groups);
            for (int c = 0; c < columns; c++) {
                q[i * columns + c] = (byte) code(r * rowBytes, c);
            }
        }
        boolean bias = offset instanceof IntOffset.Biases;
        return new UnpackedWeights(row, count, columns, q, null, groupSize,
                groupIndex == null ? null : groupIndex.clone(), groups, s, bias ? null : z, bias ? z : null);
    }
}
