package dev.safetensors.quant.internal.kernel;

import dev.safetensors.internal.io.LittleEndian;
import dev.safetensors.DType;
import dev.safetensors.quant.UnpackedWeights;
import java.lang.foreign.MemorySegment;

/**
 * AutoAWQ's GEMM layout: {@code qweight [in, out / 8]} packs eight output columns per word in the
 * interleaved order {@code 0, 2, 4, 6, 1, 3, 5, 7} (nibble {@code p} holds column {@code 8c + ORDER[p]}),
 * {@code qzeros [in / g, out / 8]} the same way, {@code scales [in / g, out]}:
 * {@code W[o, k] = (q[k, o] − z[k / g, o]) × s[k / g, o]}, unsigned zero points without offset. Rows here are
 * output features, read down the packed columns.
 */
public final class AwqKernel implements Kernel {
    /** The nibble that holds column {@code j} of a word: the inverse of {@code ORDER}. */
    public static final int[] NIBBLE_OF_COLUMN = {0, 4, 1, 5, 2, 6, 3, 7};

    private final MemorySegment qweight;
    private final long out;
    private final int in;
    private final MemorySegment qzeros;
    private final FloatMatrix scales;     // [groups, out]
    private final int groupSize;

    public AwqKernel(MemorySegment qweight, long out, int in, MemorySegment qzeros, FloatMatrix scales, int groupSize) {
        this.qweight = qweight;
        this.out = out;
        this.in = in;
        this.qzeros = qzeros;
        this.scales = scales;
        this.groupSize = groupSize;
    }

    @Override
    public long rows() {
        return out;
    }

    @Override
    public int columns() {
        return in;
    }

    /**
     * Whether BF16 comes from {@link #bf16ByPairs}: vector loops on, groups and rows in whole runs of sixteen
     * inputs (one 32-byte store of outputs).
     */
    private boolean byPairs(DType dtype) {
        return Simd.ENABLED && dtype == DType.BF16 && in % 16 == 0 && groupSize % 16 == 0;
    }

    /**
     * Rows of eight tiles' outputs for the pairs (128 rows of 4096 inputs, one row from 2^19 inputs on): 128 rows
     * are sixteen word columns, so the gathering pass reads each packed row's 64 bytes (a cache line) once,
     * instead of a word of it per eight rows.
     */
    @Override
    public int blockRows(DType dtype) {
        return byPairs(dtype) ? Dense.rowsPer(8 * Dense.TILE, in) : Kernel.super.blockRows(dtype);
    }

    @Override
    public void decode(long row, int count, DType dtype, MemorySegment dst, long offset) {
        if (byPairs(dtype)) {
            bf16ByPairs(row, count, dst, offset);
            return;
        }
        int groups = (int) scales.rows();
        long rowStride = out / 8 * 4;
        float[] s = new float[groups];
        int[] z = new int[groups];
        float[] tile = new float[in];
        int[] column = new int[in];
        long loaded = -1;
        for (int i = 0; i < count; i++) {
            long o = row + i;
            if (o / 8 != loaded) {
                // The word column of eight output rows, read down the input dimension once for all eight.
                loaded = o / 8;
                for (int k = 0; k < in; k++) {
                    column[k] = qweight.get(LittleEndian.INT, loaded * 4 + k * rowStride);
                }
            }
            loadGroups(o, s, z);
            int shift = 4 * NIBBLE_OF_COLUMN[(int) (o & 7)];
            int base = 0;
            for (int g = 0, k = 0; k < in; g++) {
                int stop = Math.min(in, k + groupSize);
                float scale = s[g];
                int zero = z[g];
                if (Simd.ENABLED) {
                    VectorLoops.nibbleColumn(column, k, stop, shift, zero, scale, tile, base + k);
                    k = stop;
                }
                for (; k < stop; k++) {
                    tile[base + k] = (((column[k] >>> shift) & 0xF) - zero) * scale;
                }
            }
            RowStore.store(tile, 0, in, dtype, dst, offset + (long) i * in);
        }
    }

    /**
     * BF16 on the vector loops: the word columns of all the call's rows are gathered down the input dimension in
     * one pass, each run of sixteen inputs stored as its eight even inputs then its eight odd ones, so that
     * {@link VectorLoops#nibblePairsBf16} finds an output pair in each lane.
     */
    private void bf16ByPairs(long row, int count, MemorySegment dst, long offset) {
        long rowStride = out / 8 * 4;
        long first = row / 8;
        int columns = (int) ((row + count - 1) / 8 - first + 1);
        // A cache line more than the input count between word columns: at a power-of-two distance the gathering
        // pass's sixteen stores of a packed row would all fall in the same L1 set.
        int stride = in + 16;
        int[] words = new int[columns * stride];
        // First the block's first word column alone: a tight loop of independent loads, one per packed row, whose
        // cache misses overlap; then the other columns find those lines in cache.
        for (int k = 0; k < in; k++) {
            words[pairSlot(k)] = qweight.get(LittleEndian.INT, k * rowStride + first * 4);
        }
        for (int k = 0; k < in; k++) {
            int at = pairSlot(k);
            long from = k * rowStride + first * 4;
            for (int c = 1; c < columns; c++) {
                words[c * stride + at] = qweight.get(LittleEndian.INT, from + 4L * c);
            }
        }
        float[] s = new float[(int) scales.rows()];
        int[] z = new int[s.length];
        for (int i = 0; i < count; i++) {
            long o = row + i;
            loadGroups(o, s, z);
            int shift = 4 * NIBBLE_OF_COLUMN[(int) (o & 7)];
            int base = (int) (o / 8 - first) * stride;
            long out = 2 * (offset + (long) i * in);
            for (int g = 0, k = 0; k < in; g++, k += groupSize) {
                VectorLoops.nibblePairsBf16(words, base + k, base + Math.min(in, k + groupSize), shift, z[g], s[g],
                        dst, out + 2L * k);
            }
        }
    }

    /** Where input {@code k} goes in its run of sixteen: the run's eight even inputs first, then its odd ones. */
    private static int pairSlot(int k) {
        return (k & ~15) | (k & 1) << 3 | (k & 15) >> 1;
    }

    private void loadGroups(long o, float[] s, int[] z) {
        long wordColumns = out / 8;
        int shift = 4 * NIBBLE_OF_COLUMN[(int) (o & 7)];
        for (int g = 0; g < s.length; g++) {
            s[g] = scales.at(g, (int) o);
            z[g] = (qzeros.get(LittleEndian.INT, (g * wordColumns + o / 8) * 4) >>> shift) & 0xF;
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
        long wordColumns = out / 8;
        for (int i = 0; i < count; i++) {
            long o = row + i;
            loadGroups(o, sr, zr);
            for (int g = 0; g < groups; g++) {
                s[i * groups + g] = sr[g];
                zf[i * groups + g] = zr[g];
            }
            int shift = 4 * NIBBLE_OF_COLUMN[(int) (o & 7)];
            for (int k = 0; k < in; k++) {
                int w = qweight.get(LittleEndian.INT, (k * wordColumns + o / 8) * 4);
                q[i * in + k] = (byte) ((w >>> shift) & 0xF);
            }
        }
        return new UnpackedWeights(row, count, in, q, null, groupSize, null, groups, s, zf, null);
    }
}
