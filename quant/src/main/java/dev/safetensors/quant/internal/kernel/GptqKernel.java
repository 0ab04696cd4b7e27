package dev.safetensors.quant.internal.kernel;

import dev.safetensors.internal.io.LittleEndian;
import dev.safetensors.DType;
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

    /** Whether BF16 comes from {@link #bf16ByTables}: 4-bit codes in groups of whole words, vector loops on. */
    private boolean byTables(DType dtype) {
        return Simd.ENABLED && dtype == DType.BF16 && bits == 4 && groupIndex == null && groupSize % 8 == 0;
    }

    /**
     * Rows of eight tiles' outputs for the tables (128 rows of 4096 inputs, one row from 2^19 inputs on): the
     * gathering pass reads a run of {@code 4 × rows} bytes from
     * each packed row, and longer runs are what the hardware prefetches well (measured: 16 rows gave runs of one
     * cache line, each its own wait).
     */
    @Override
    public int blockRows(DType dtype) {
        return byTables(dtype) ? Dense.rowsPer(8 * Dense.TILE, in) : Kernel.super.blockRows(dtype);
    }

    @Override
    public void decode(long row, int count, DType dtype, MemorySegment dst, long offset) {
        if (byTables(dtype)) {
            bf16ByTables(row, count, dst, offset);
            return;
        }
        int groups = (int) scales.rows();
        float[] s = new float[count * groups];
        int[] z = new int[count * groups];
        for (int i = 0; i < count; i++) {
            loadGroups(row + i, s, z, i * groups);
        }
        // Rows of the tile are a cache line longer than the layer's: rows a power of two apart would all
        // compete for the same L1 sets as the decoder writes down the tile.
        int stride = in + 16;
        float[] tile = new float[count * stride];
        // Whole words only when no group boundary falls inside one (group_size a multiple of 32 / bits).
        if (32 % bits == 0 && (groupIndex != null || groupSize % (32 / bits) == 0)) {
            wholeWords(row, count, s, z, groups, tile, stride);
        } else {
            long step = out * 4;
            for (int i = 0; i < count; i++) {
                long o = row + i;
                int base = i * stride;
                for (int k = 0; k < in; k++) {
                    int g = i * groups + (groupIndex == null ? k / groupSize : groupIndex[k]);
                    int q = BitFields.dense(qweight, o * 4, step, k, bits);
                    tile[base + k] = (q - z[g]) * s[g];
                }
            }
        }
        for (int i = 0; i < count; i++) {
            RowStore.store(tile, i * stride, in, dtype, dst, offset + (long) i * in);
        }
    }

    /**
     * 4-bit to BF16 on the vector loops, groups of whole words: per row and group a table of its 16 finished
     * outputs, then a byte shuffle per eight (no F32 tile, no rounding per element). The tile's packed words are
     * first gathered row by row (packed row kw holds word kw of every output, the tile's adjacent), so each row's
     * output is written in order.
     */
    private void bf16ByTables(long row, int count, MemorySegment dst, long offset) {
        int groups = (int) scales.rows();
        float[] s = new float[count * groups];
        int[] z = new int[count * groups];
        for (int i = 0; i < count; i++) {
            loadGroups(row + i, s, z, i * groups);
        }
        byte[] lo = new byte[16 * count * groups];
        byte[] hi = new byte[16 * count * groups];
        VectorLoops.int4Bf16Tables(z, s, count * groups, lo, hi);
        int perRow = in / 8;
        // A cache line more than a row's words between rows: at a power-of-two distance the gathering pass's
        // stores down a column of the array would fall in a few L1 sets.
        int stride = perRow + 16;
        int[] words = new int[count * stride];
        for (int kw = 0; kw < perRow; kw++) {
            long at = (kw * out + row) * 4;
            for (int i = 0; i < count; i++) {
                words[i * stride + kw] = qweight.get(LittleEndian.INT, at + 4L * i);
            }
        }
        int groupWords = groupSize / 8;
        for (int i = 0; i < count; i++) {
            for (int g = 0; g < groups; g++) {
                int from = g * groupWords;
                VectorLoops.nibblesBf16(words, i * stride + from, Math.min(groupWords, perRow - from), lo, hi,
                        16 * (i * groups + g), dst, 2 * (offset + (long) i * in + 8 * from));
            }
        }
    }

    /**
     * 2-, 4- and 8-bit codes, no field straddling: each packed row holds {@code 32 / bits} inputs of every output,
     * and the rows of the tile are adjacent words in it, so each word is read once, in order.
     */
    private void wholeWords(long row, int count, float[] s, int[] z, int groups, float[] tile, int stride) {
        int perWord = 32 / bits;
        int mask = (1 << bits) - 1;
        boolean vector = Simd.ENABLED && bits == 4 && groupIndex == null;
        int[] words = new int[count];
        for (int kw = 0; kw < in / perWord; kw++) {
            int k0 = kw * perWord;
            // One packed row holds this word of every output of the tile, adjacent.
            MemorySegment.copy(qweight, LittleEndian.INT, (kw * out + row) * 4, words, 0, count);
            for (int i = 0; i < count; i++) {
                int w = words[i];
                int base = i * stride + k0;
                if (groupIndex == null) {
                    int g = i * groups + k0 / groupSize;
                    float scale = s[g];
                    int zero = z[g];
                    if (vector) {
                        VectorLoops.int4(words, i, 1, zero, scale, tile, base);
                        continue;
                    }
                    for (int j = 0; j < perWord; j++) {
                        tile[base + j] = (((w >>> (bits * j)) & mask) - zero) * scale;
                    }
                } else {
                    for (int j = 0; j < perWord; j++) {
                        int g = i * groups + groupIndex[k0 + j];
                        tile[base + j] = (((w >>> (bits * j)) & mask) - z[g]) * s[g];
                    }
                }
            }
        }
    }

    /** Row {@code o}'s scales and zero points into {@code s} and {@code z} from {@code at}. */
    private void loadGroups(long o, float[] s, int[] z, int at) {
        for (int g = 0; g < scales.rows(); g++) {
            s[at + g] = scales.at(g, (int) o);
            z[at + g] = BitFields.dense(qzeros, g * zeroRowBytes, 4, o, bits) + zeroOffset;
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
            loadGroups(o, sr, zr, 0);
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
