package dev.safetensors.quant.internal.pack;

import static dev.safetensors.quant.Bytes.segment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.quant.Bytes;
import dev.safetensors.quant.UnpackedWeights;
import dev.safetensors.quant.internal.kernel.AwqKernel;
import dev.safetensors.quant.internal.kernel.Bnb4Kernel;
import dev.safetensors.quant.internal.kernel.FloatMatrix;
import dev.safetensors.quant.internal.kernel.GptqKernel;
import dev.safetensors.quant.internal.kernel.IntOffset;
import dev.safetensors.quant.internal.kernel.PackedRowKernel;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The pack side of every worked example of quant/README.md#layouts-read, and pack → unpack round trips. */
class PackingTest {

    private static int[] mod(int n, int m) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = i % m;
        }
        return v;
    }

    @Test
    void denseAndAlignedWorkedExamples() {
        assertThat(IntPacking.dense(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 4)).containsExactly(0x76543210);
        assertThat(IntPacking.dense(new int[] {8, 9, 10, 11, 12, 13, 14, 15}, 4)).containsExactly(0xFEDCBA98);
        assertThat(IntPacking.dense(mod(32, 8), 3)).containsExactly(0x88FAC688, 0xC688FAC6, 0xFAC688FA);
        assertThat(IntPacking.aligned(mod(32, 8), 3)).containsExactly(0x08FAC688, 0x1A23EB1A, 0x2C688FAC, 0x0000003E);
        int[] dense5 = IntPacking.dense(mod(32, 32), 5);
        int[] old5 = IntPacking.aligned(mod(32, 32), 5);
        assertThat(dense5).hasSize(5).startsWith(0x8A418820, 0xC5A92839, 0xCA307B9A);
        assertThat(old5).hasSize(6).startsWith(0x0A418820, 0x16A4A0E6, 0x2307B9AC);
    }

    @Test
    void gptqZerosAndWeights() {
        assertThat(GptqPacking.zeros(new int[] {8, 8, 8, 8, 8, 8, 8, 8}, 1, 8, 4, true)).containsExactly(0x77777777);
        assertThat(GptqPacking.zeros(new int[] {8, 8, 8, 8, 8, 8, 8, 8}, 1, 8, 4, false)).containsExactly(0x88888888);
        int[] twos = new int[16];
        java.util.Arrays.fill(twos, 2);
        assertThat(GptqPacking.zeros(twos, 1, 16, 2, true)).containsExactly(0x55555555);
        int[] z128 = {128, 128, 128, 128};
        assertThat(GptqPacking.zeros(z128, 1, 4, 8, true)).containsExactly(0x7F7F7F7F);
        // One output column, inputs 0..7 with q = 0..7: qweight word 0x76543210.
        assertThat(GptqPacking.weights(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 8, 1, 4)).containsExactly(0x76543210);
        assertThat(GptqPacking.weights(mod(32, 8), 32, 1, 3)).containsExactly(0x88FAC688, 0xC688FAC6, 0xFAC688FA);
    }

    @Test
    void awqOrder() {
        assertThat(AwqPacking.pack(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 1, 8)).containsExactly(0x75316420);
        assertThat(AwqPacking.pack(new int[] {15, 14, 13, 12, 11, 10, 9, 8}, 1, 8)).containsExactly(0x8ACE9BDF);
    }

    @Test
    void nibbleOrders() {
        assertThat(NibblePacking.pack(new byte[] {0xF, 0x2}, false)).containsExactly(0x2F);
        assertThat(NibblePacking.pack(new byte[] {0x1, 0x7}, false)).containsExactly(0x71);
        assertThat(NibblePacking.pack(new byte[] {0x8, 0xF}, true)).containsExactly((byte) 0x8F);
        assertThat(NibblePacking.pack(new byte[] {0x8, 0xF, 0x3}, true)).containsExactly((byte) 0x8F, (byte) 0x30);
    }

    /** Random codes of every width packed by the packers and unpacked by the kernels come back unchanged. */
    @Test
    void everyPackerRoundTripsThroughItsKernel() {
        Random random = new Random(11);
        int out = 16;
        int in = 96;
        for (int bits : new int[] {1, 2, 3, 4, 5, 6, 7, 8}) {
            for (boolean dense : new boolean[] {true, false}) {
                int[] q = new int[out * in];
                for (int i = 0; i < q.length; i++) {
                    q[i] = random.nextInt(1 << bits);
                }
                int rowWords = (int) (dense ? (in * (long) bits + 31) / 32 : (in + 32 / bits - 1) / (32 / bits));
                int[] words = new int[out * rowWords];
                for (int r = 0; r < out; r++) {
                    IntPacking.pack(q, r * in, in, bits, dense, words, r * rowWords, 1);
                }
                PackedRowKernel k = new PackedRowKernel(segment(Bytes.ints(words)), out, in, bits, dense, rowWords, in,
                        null, ones(out, 1), new IntOffset.Constant(0));
                assertCodes(k.unpack(0, out), q);
            }
        }
        for (int bits : new int[] {2, 3, 4, 8}) {
            int[] qt = new int[in * out];                   // GPTQ: [in][out]
            for (int i = 0; i < qt.length; i++) {
                qt[i] = random.nextInt(1 << bits);
            }
            int[] qweight = GptqPacking.weights(qt, in, out, bits);
            int[] zeros = GptqPacking.zeros(new int[out], 1, out, bits, false);
            GptqKernel k = new GptqKernel(segment(Bytes.ints(qweight)), out, in, bits, segment(Bytes.ints(zeros)),
                    (out * bits + 31) / 32, 0, ones(1, out), in, null);
            assertCodes(k.unpack(0, out), transpose(qt, in, out));
        }
        int[] qa = new int[in * out];
        for (int i = 0; i < qa.length; i++) {
            qa[i] = random.nextInt(16);
        }
        AwqKernel awq = new AwqKernel(segment(Bytes.ints(AwqPacking.pack(qa, in, out))), out, in,
                segment(Bytes.ints(new int[out / 8])), ones(1, out), in);
        assertCodes(awq.unpack(0, out), transpose(qa, in, out));
        byte[] codes = new byte[out * in];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) random.nextInt(16);
        }
        Bnb4Kernel bnb = new Bnb4Kernel(segment(NibblePacking.pack(codes, true)), out, in, new float[16], 64,
                segment(Bytes.floats(new float[out * in / 64])), null);
        UnpackedWeights u = bnb.unpack(0, out);
        assertThat(u.codes()).containsExactly(codes);
    }

    private static FloatMatrix ones(long rows, int columns) {
        float[] v = new float[(int) rows * columns];
        java.util.Arrays.fill(v, 1f);
        return FloatMatrix.of(segment(Bytes.floats(v)), DType.F32, rows, columns);
    }

    private static int[] transpose(int[] m, int rows, int columns) {
        int[] t = new int[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                t[c * rows + r] = m[r * columns + c];
            }
        }
        return t;
    }

    private static void assertCodes(UnpackedWeights u, int[] expected) {
        int[] got = new int[u.codes().length];
        for (int i = 0; i < got.length; i++) {
            got[i] = u.codes()[i] & 0xFF;
        }
        assertThat(got).containsExactly(expected);
    }
}
