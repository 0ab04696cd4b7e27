package dev.safetensors.quant.internal.kernel;

import dev.safetensors.internal.io.LittleEndian;
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
    public void decode(long row, int count, MemorySegment dst, long offset) {
        int groups = scales.columns();
        float[] s = new float[groups];
        float[] z = new float[groups];
        boolean bias = this.offset instanceof IntOffset.Biases;
        for (int i = 0; i < count; i++) {
            long r = row + i;
            loadGroups(r, s, z);
            long base = r * rowBytes;
            long out = offset + (long) i * columns;
            if (groupIndex == null && bits == 4) {
                nibbleRow(base, s, z, bias, dst, out);
                continue;
            }
            for (int c = 0; c < columns; c++) {
                int g = groupIndex == null ? c / groupSize : groupIndex[c];
                int q = code(base, c);
                dst.set(LittleEndian.FLOAT, 4 * (out + c), bias ? q * s[g] + z[g] : (q - z[g]) * s[g]);
            }
        }
    }

    /** 4-bit codes: eight per word in both packings, a whole word at a time. */
    private void nibbleRow(long base, float[] s, float[] z, boolean bias, MemorySegment dst, long out) {
        int c = 0;
        while (c < columns) {
            int g = c / groupSize;
            int end = Math.min(columns, (g + 1) * groupSize);
            float scale = s[g];
            float zero = z[g];
            while (c < end) {
                if ((c & 7) == 0 && c + 8 <= end) {
                    int w = words.get(LittleEndian.INT, base + (c >>> 3) * 4L);
                    for (int j = 0; j < 8; j++) {
                        int q = (w >>> (4 * j)) & 0xF;
                        dst.set(LittleEndian.FLOAT, 4 * (out + c + j), bias ? q * scale + zero : (q - zero) * scale);
                    }
                    c += 8;
                } else {
                    int q = code(base, c);
                    dst.set(LittleEndian.FLOAT, 4 * (out + c), bias ? q * scale + zero : (q - zero) * scale);
                    c++;
                }
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
