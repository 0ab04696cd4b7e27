package dev.safetensors.quant.internal.kernel;

import dev.safetensors.internal.io.LittleEndian;
import dev.safetensors.quant.UnpackedWeights;
import java.lang.foreign.MemorySegment;

/**
 * GPTQ ({@code auto_gptq/nn_modules/qlinear/qlinear_cuda_old.py}): {@code qweight [in × bits / 32, out]}
 * packs each output column's codes down the input dimension as one bit stream (3-bit fields straddle
 * words), {@code qzeros [G, out × bits / 32]} packs zero points along the output dimension,
 * {@code scales [G, out]}, and input {@code k} belongs to group {@code g_idx[k]}:
 * {@code W[o, k] = scales[g, o] × (q[k, o] − (zeros[g, o] + zeroOffset))}, zeroOffset 1 for the v1 format
 * (the packer stored zero − 1), 0 for v2. Rows here are output features, so reading a row walks down a
 * column of the packed words.
 */
public final class GptqKernel implements Kernel {
    private final MemorySegment qweight;
    private final long out;
    private final int in;
    private final int bits;
    private final MemorySegment qzeros;
    private final long zeroRowBytes;
    private final int zeroOffset;
    private final FloatMatrix scales;      // [groups, out]
    private final int groupSize;           // columns per group when groupIndex is null
    private final int[] groupIndex;        // g_idx when it is not k / groupSize

    public GptqKernel(MemorySegment qweight, long out, int in, int bits, MemorySegment qzeros, long zeroWords,
            int zeroOffset, FloatMatrix scales, int groupSize, int[] groupIndex) {
        this.qweight = qweight;
        this.out = out;
        this.in = in;
        this.bits = bits;
        this.qzeros = qzeros;
        this.zeroRowBytes = zeroWords * 4;
        this.zeroOffset = zeroOffset;
        this.scales = scales;
        this.groupSize = groupSize;
        this.groupIndex = groupIndex;
    }

    @Override
    public long rows() {
        return out;
    }

    @Override
    public int columns() {
        return in;
    }

    @Override
    public void decode(long row, int count, float[] dst, int offset) {
        int groups = (int) scales.rows();
        float[] s = new float[groups];
        int[] z = new int[groups];
        long stride = out * 4;
        for (int i = 0; i < count; i++) {
            long o = row + i;
            loadGroups(o, s, z);
            int base = offset + i * in;
            if (groupIndex == null && 32 % bits == 0 && groupSize % (32 / bits) == 0) {
                wordsInOrder(o, s, z, dst, base);
                continue;
            }
            for (int k = 0; k < in; k++) {
                int g = groupIndex == null ? k / groupSize : groupIndex[k];
                int q = BitFields.dense(qweight, o * 4, stride, k, bits);
                dst[base + k] = (q - z[g]) * s[g];
            }
        }
    }

    /** 2-, 4- and 8-bit codes with groups of whole words: a word at a time, one scale per group. */
    private void wordsInOrder(long o, float[] s, int[] z, float[] dst, int base) {
        int perWord = 32 / bits;
        int mask = (1 << bits) - 1;
        long stride = out * 4;
        long at = o * 4;
        int k = 0;
        for (int g = 0; k < in; g++) {
            int end = Math.min(in, k + groupSize);
            float scale = s[g];
            int zero = z[g];
            for (; k < end; k += perWord) {
                int w = qweight.get(LittleEndian.INT, at);
                at += stride;
                for (int j = 0; j < perWord; j++) {
                    dst[base + k + j] = (((w >>> (bits * j)) & mask) - zero) * scale;
                }
            }
        }
    }

    private void loadGroups(long o, float[] s, int[] z) {
        for (int g = 0; g < s.length; g++) {
            s[g] = scales.at(g, (int) o);
            z[g] = BitFields.dense(qzeros, g * zeroRowBytes, 4, o, bits) + zeroOffset;
        }
    }

    @Override
    public UnpackedWeights unpack(long row, int count) {
        int groups = (int) scales.rows();
        byte[] q = new byte[count * in];
        float[] s = new float[count * groups];
        float[] zf = new float[count * groups];
        float[] sr = new float[groups];
        int[] zr = new int[groups];
        for (int i = 0; i < count; i++) {
            long o = row + i;
            loadGroups(o, sr, zr);
            for (int g = 0; g < groups; g++) {
                s[i * groups + g] = sr[g];
                zf[i * groups + g] = zr[g];
            }
            for (int k = 0; k < in; k++) {
                q[i * in + k] = (byte) BitFields.dense(qweight, o * 4, out * 4, k, bits);
            }
        }
        int[] index = groupIndex == null ? null : groupIndex.clone();
        return new UnpackedWeights(row, count, in, q, null, groupSize, index, groups, s, zf, null);
    }
}
