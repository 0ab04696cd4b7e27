package dev.safetensors.quant.internal.kernel;

import static dev.safetensors.quant.Bytes.f16;
import static dev.safetensors.quant.Bytes.segment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.quant.Bytes;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Every worked example of quant/README.md#layouts-read, through the decoding kernels, bit for bit. Expected values are the
 * notes' numbers, or the notes' formula evaluated here in float where the stored scale is not the decimal
 * the notes print (an F16 scale of 0.01 is 0.0099945068359375).
 */
class WorkedExamplesTest {

    private static float[] decode(Kernel k) {
        float[] out = new float[(int) k.rows() * k.columns()];
        Dense.toArray(k, 0, k.rows(), out, 0);
        return out;
    }

    private static FloatMatrix f32(long rows, int columns, float... v) {
        return FloatMatrix.of(segment(Bytes.floats(v)), DType.F32, rows, columns);
    }

    private static FloatMatrix f16s(long rows, int columns, float... v) {
        return FloatMatrix.of(segment(Bytes.halves(v)), DType.F16, rows, columns);
    }

    @Test
    void mxfp4GptOssAndCompressedTensors() {
        byte[] block = new byte[16];
        block[0] = 0x2F;
        Kernel gptOss = new Fp4Kernel(segment(block), 1, 32, 32, FloatMatrix.codes(segment(Bytes.of(0x80)),
                DType.F8_E8M0, 1, 1));
        float[] w = decode(gptOss);
        assertThat(w[0]).isEqualTo(-12.0f);
        assertThat(w[1]).isEqualTo(2.0f);
        assertThat(Arrays.copyOfRange(w, 2, 32)).containsOnly(0f);
        Kernel ct = new Fp4Kernel(segment(block), 1, 32, 32, FloatMatrix.codes(segment(Bytes.of(0x7E)),
                DType.F8_E8M0, 1, 1));
        assertThat(Arrays.copyOf(decode(ct), 2)).containsExactly(-3.0f, 0.5f);
    }

    @Test
    void nvfp4BothGlobalScaleConventions() {
        byte[] codes = new byte[8];
        codes[0] = 0x71;
        FloatMatrix blockScale = FloatMatrix.of(segment(Bytes.of(0x40)), DType.F8_E4M3, 1, 1);
        Kernel modelopt = new Fp4Kernel(segment(codes), 1, 16, 16, blockScale.folded(FloatMatrix.Fold.MULTIPLY, 0.25f));
        Kernel compressed = new Fp4Kernel(segment(codes), 1, 16, 16, blockScale.folded(FloatMatrix.Fold.DIVIDE, 4.0f));
        assertThat(Arrays.copyOf(decode(modelopt), 2)).containsExactly(0.25f, 3.0f);
        assertThat(Arrays.copyOf(decode(compressed), 2)).containsExactly(0.25f, 3.0f);
    }

    @Test
    void blockFp8WithPartialEdgeBlocks() {
        int out = 300;
        int in = 384;
        byte[] weight = new byte[out * in];
        Arrays.fill(weight, (byte) 0x44);   // 3.0
        float[] scaleInv = new float[9];
        for (int i = 0; i < 9; i++) {
            scaleInv[i] = (i + 1) / 64f;
        }
        scaleInv[1 * 3 + 2] = 0.015625f;
        Kernel k = new ByteCodeKernel(segment(weight), Codebook.bytes(DType.F8_E4M3), out, in, 128, 128,
                f32(3, 3, scaleInv), null);
        float[] w = decode(k);
        assertThat(w[130 * in + 260]).isEqualTo(0.046875f);
        for (int r : new int[] {256, 280, 299}) {       // the 44-row partial block uses scale row 2
            for (int c : new int[] {0, 127, 128, 255, 256, 383}) {
                assertThat(w[r * in + c]).isEqualTo(3.0f * scaleInv[2 * 3 + c / 128]);
            }
        }
    }

    @Test
    void fp8PerChannel() {
        Kernel k = new ByteCodeKernel(segment(Bytes.of(0x38, 0xC0)), Codebook.bytes(DType.F8_E4M3), 2, 1, 1, 1,
                f32(2, 1, 0.02f, 0.5f), null);
        assertThat(decode(k)).containsExactly(0.02f, -1.0f);
    }

    /** One qweight column (o = 0 of out = 1), 8 inputs, one group. */
    private static float[] gptq(int bits, int zeroOffset, int[] qweight, int qzeros, float scale) {
        int in = qweight.length * 32 / bits;
        Kernel k = new GptqKernel(segment(Bytes.ints(qweight)), 1, in, bits, segment(Bytes.ints(qzeros)), 1, zeroOffset,
                f16s(1, 1, scale), in, null);
        return decode(k);
    }

    @Test
    void gptq4BitV1AndV2() {
        float s = f16(0.01f);
        float[] v1 = gptq(4, 1, new int[] {0x76543210}, 0x77777777, 0.01f);
        float[] v2 = gptq(4, 0, new int[] {0x76543210}, 0x88888888, 0.01f);
        for (int q = 0; q < 8; q++) {
            assertThat(v1[q]).isEqualTo((q - 8) * s);
        }
        assertThat(v2).containsExactly(v1);
        assertThat(v1[0]).isCloseTo(-0.08f, org.assertj.core.data.Offset.offset(1e-4f));
        float[] high = gptq(4, 0, new int[] {0xFEDCBA98}, 0, 1f);
        assertThat(high).containsExactly(8, 9, 10, 11, 12, 13, 14, 15);
    }

    @Test
    void gptq2BitAnd8Bit() {
        float[] two = gptq(2, 1, new int[] {0xE4E4E4E4}, 0x55555555, 0.5f);
        for (int k = 0; k < 16; k++) {
            assertThat(two[k]).isEqualTo(new float[] {-1.0f, -0.5f, 0.0f, 0.5f}[k % 4]);
        }
        float[] eight = gptq(8, 1, new int[] {0x80302010}, 0x7F7F7F7F, 0.01f);
        float s = f16(0.01f);
        assertThat(eight).containsExactly((16 - 128) * s, (32 - 128) * s, (48 - 128) * s, 0f);
    }

    @Test
    void gptq3BitWordsStraddle() {
        float[] q = gptq(3, 0, new int[] {0x88FAC688, 0xC688FAC6, 0xFAC688FA}, 0, 1f);
        assertThat(q).hasSize(32);
        for (int i = 0; i < 32; i++) {
            assertThat(q[i]).as("input %d", i).isEqualTo(i % 8);
        }
    }

    @Test
    void gptqActOrderIndexesScalesThroughGIdx() {
        int groups = 18;                                    // group_size 128: g_idx[0] = 17 is the last group
        int in = 128 * groups;
        int out = 8;
        int[] qweight = new int[in / 8 * out];
        Arrays.fill(qweight, 0x11111111);                   // every code 1
        int[] gIdx = new int[in];
        for (int k = 0; k < in; k++) {
            gIdx[k] = (k * 5 + 3) % groups;
        }
        gIdx[0] = 17;
        float[] scales = new float[groups * out];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 1 + i;
        }
        int[] zeros = new int[groups];                      // one word of eight 4-bit zeros per group, all 0 (v2)
        for (int g = 0; g < groups; g++) {
            zeros[g] = 0x00000000;
        }
        zeros[17] = 0x00000001;                             // group 17, output 0: zero 1
        Kernel k = new GptqKernel(segment(Bytes.ints(qweight)), out, in, 4, segment(Bytes.ints(zeros)), 1, 0,
                f16s(groups, out, scales), 128, gIdx);
        float[] w = decode(k);
        for (int o = 0; o < out; o++) {
            for (int kk = 0; kk < in; kk++) {
                int zero = gIdx[kk] == 17 && o == 0 ? 1 : 0;
                assertThat(w[o * in + kk]).isEqualTo((1 - zero) * f16(scales[gIdx[kk] * out + o]));
            }
        }
        assertThat(w[0]).isEqualTo(0f);                     // row 0, input 0: scales[17, 0] and zero row 17
        assertThat(w[1 * in]).isEqualTo(f16(scales[17 * out + 1]));
    }

    @Test
    void awqInterleavedNibbles() {
        Kernel k = new AwqKernel(segment(Bytes.ints(0x75316420)), 8, 1, segment(Bytes.ints(0x88888888)),
                f16s(1, 8, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f), 1);
        assertThat(decode(k)).containsExactly(-4.0f, -3.5f, -3.0f, -2.5f, -2.0f, -1.5f, -1.0f, -0.5f);
    }

    @Test
    void compressedTensors4BitSymmetric() {
        Kernel k = new PackedRowKernel(segment(Bytes.ints(0xFEDCBA98)), 1, 8, 4, true, 1, 8, null,
                f32(1, 1, 0.5f), new IntOffset.Constant(8));
        assertThat(decode(k)).containsExactly(0f, 0.5f, 1f, 1.5f, 2f, 2.5f, 3f, 3.5f);
    }

    @Test
    void compressedTensors3BitDenseAndOld() {
        float[] dense = decode(new PackedRowKernel(segment(Bytes.ints(0x88FAC688, 0xC688FAC6, 0xFAC688FA)), 1, 32, 3,
                true, 3, 32, null, f32(1, 1, 1f), new IntOffset.Constant(0)));
        float[] old = decode(new PackedRowKernel(segment(Bytes.ints(0x08FAC688, 0x1A23EB1A, 0x2C688FAC, 0x0000003E)), 1,
                32, 3, false, 4, 32, null, f32(1, 1, 1f), new IntOffset.Constant(0)));
        for (int i = 0; i < 32; i++) {
            assertThat(dense[i]).isEqualTo(i % 8);
            assertThat(old[i]).isEqualTo(i % 8);
        }
    }

    @Test
    void compressedTensors5BitDenseAndOld() {
        int[] denseWords = {0x8A418820, 0xC5A92839, 0xCA307B9A};
        int[] oldWords = {0x0A418820, 0x16A4A0E6, 0x2307B9AC};
        // The first words hold 19 (dense: 3 × 32 / 5) and 18 (old: 6 per word × 3) values.
        float[] dense = decode(new PackedRowKernel(segment(Bytes.ints(denseWords)), 1, 19, 5, true, 3, 19, null,
                f32(1, 1, 1f), new IntOffset.Constant(0)));
        float[] old = decode(new PackedRowKernel(segment(Bytes.ints(oldWords)), 1, 18, 5, false, 3, 18, null,
                f32(1, 1, 1f), new IntOffset.Constant(0)));
        for (int i = 0; i < 19; i++) {
            assertThat(dense[i]).isEqualTo(i % 32);
        }
        for (int i = 0; i < 18; i++) {
            assertThat(old[i]).isEqualTo(i % 32);
        }
    }

    @Test
    void nf4HighNibbleFirst() {
        float[] nf4 = {-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
            -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f,
            0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f,
            0.5626170039176941f, 0.7229568362236023f, 1.0f};
        Kernel k = new Bnb4Kernel(segment(Bytes.of(0x8F)), 1, 2, nf4, 64, segment(Bytes.floats(2.0f)), null);
        float[] w = decode(k);
        assertThat(w[0]).isEqualTo(0.15916059911251068f);
        assertThat(w[1]).isEqualTo(2.0f);
    }

    @Test
    void llmInt8() {
        Kernel k = new ByteCodeKernel(segment(Bytes.of(64)), Codebook.bytes(DType.I8), 1, 1, 1, 1,
                f32(1, 1, 2.54f).folded(FloatMatrix.Fold.DIVIDE, 127f), null);
        float w = decode(k)[0];
        assertThat(w).isEqualTo(64 * (2.54f / 127f));
        assertThat(w).isCloseTo(1.28f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void mlxAffine() {
        Kernel k = new PackedRowKernel(segment(Bytes.ints(0x76543210)), 1, 8, 4, true, 1, 8, null, f32(1, 1, 0.1f),
                new IntOffset.Biases(f32(1, 1, -0.4f)));
        float[] w = decode(k);
        for (int q = 0; q < 8; q++) {
            assertThat(w[q]).isEqualTo(0.1f * q + -0.4f);
            assertThat(w[q]).isCloseTo(-0.4f + 0.1f * q, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }
}
