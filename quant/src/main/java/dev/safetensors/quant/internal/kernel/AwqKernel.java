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

    @Override
    public void decode(long row, int count, DType dtype, MemorySegment dst, long offset) {
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
