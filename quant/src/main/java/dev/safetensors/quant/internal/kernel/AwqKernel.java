package dev.safetensors.quant.internal.kernel;

import dev.safetensors.internal.io.LittleEndian;
import dev.safetensors.quant.UnpackedWeights;
import java.lang.foreign.MemorySegment;

/**
 * AutoAWQ's GEMM layout: {@code qweight [in, out / 8]} packs eight output columns per word in the
 * interleaved order {@code 0, 2, 4, 6, 1, 3, 5, 7} (nibble {@code p} holds column {@code 8c + ORDER[p]}),
 * {@code qzeros [in / g, out / 8]} the same way, {@code scales [in / g, out]}:
 * {@code W[o, k] = (q[k, o] − z[k / g, o]) × s[k / g, o]}, unsigned zero points without offset. Rows here are
 * output features; the eight rows sharing a word column are decoded together, one load per word.
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
    public void decode(long row, int count, float[] dst, int offset) {
        int groups = (int) scales.rows();
        long wordColumns = out / 8;
        float[][] s = new float[8][groups];
        int[][] z = new int[8][groups];
        int[] shift = new int[8];
        int[] base = new int[8];
        long end = row + count;
        for (long first = row; first < end; ) {
            long column = first / 8;
            int n = (int) (Math.min(end, column * 8 + 8) - first);
            for (int j = 0; j < n; j++) {
                long o = first + j;
                shift[j] = 4 * NIBBLE_OF_COLUMN[(int) (o & 7)];
                base[j] = offset + (int) (o - row) * in;
                loadGroups(o, s[j], z[j]);
            }
            long at = column * 4;
            for (int g = 0, k = 0; k < in; g++) {
                int stop = Math.min(in, k + groupSize);
                for (; k < stop; k++) {
                    int w = qweight.get(LittleEndian.INT, at + k * wordColumns * 4);
                    for (int j = 0; j < n; j++) {
                        dst[base[j] + k] = (((w >>> shift[j]) & 0xF) - z[j][g]) * s[j][g];
                    }
                }
            }
            first += n;
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
