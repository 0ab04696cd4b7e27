package dev.safetensors.quant;

import static dev.safetensors.quant.TestCheckpoint.shape;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Corners of the layouts that the end-to-end tests miss, each against the quant/README.md#layouts-read formula written out here:
 * group sizes that are no multiple of a packed word, block grids read from a shape with a partial edge block,
 * and the special codes of the narrow floats (E4M3 NaN, E5M2 Inf, E8M0 0x00 and 0xFF).
 */
class EdgeCasesTest {
    static final String P = "model.layers.0.mlp.down_proj";

    @TempDir
    Path dir;

    /** Bits of a little-endian stream of {@code bits}-wide fields, field i at bit i × bits, into int words. */
    static int[] pack(int[] fields, int bits, int words) {
        int[] out = new int[words];
        for (int i = 0; i < fields.length; i++) {
            for (int b = 0; b < bits; b++) {
                long bit = (long) i * bits + b;
                if (((fields[i] >>> b) & 1) != 0) {
                    out[(int) (bit / 32)] |= 1 << (bit % 32);
                }
            }
        }
        return out;
    }

    /**
     * GPTQ whose group size is no multiple of the inputs a word packs (group 12, 8 inputs per 4-bit word; group 10,
     * 4 inputs per 8-bit word): the scale and zero change inside a word.
     */
    @ParameterizedTest
    @ValueSource(ints = {4, 8, 2})
    void gptqGroupsThatSplitAPackedWord(int bits) {
        gptq(bits, 96, bits == 8 ? 10 : 12, true);
    }

    /** Without a config, a partial last group: 200 inputs in 4 groups are groups of 64, not 50. */
    @Test
    void gptqGroupSizeFromTheShapes() {
        gptq(4, 200, 64, false);
    }

    private void gptq(int bits, int in, int gs, boolean config) {
        int out = 16;
        int groups = (in + gs - 1) / gs;
        Random r = new Random(bits);
        int max = (1 << bits) - 1;
        int[][] q = new int[in][out];
        int[] qw = new int[in * bits / 32 * out];
        int perWord = 32 / bits;
        for (int k = 0; k < in; k++) {
            for (int o = 0; o < out; o++) {
                q[k][o] = r.nextInt(max + 1);
                qw[(k / perWord) * out + o] |= q[k][o] << (bits * (k % perWord));
            }
        }
        int[][] stored = new int[groups][out];
        float[][] s = new float[groups][out];
        int zeroWords = out * bits / 32;
        int[] qz = new int[groups * zeroWords];
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < out; o++) {
                stored[g][o] = r.nextInt(max);               // v1: stored zero − 1, so below max
                qz[g * zeroWords + o / perWord] |= stored[g][o] << (bits * (o % perWord));
                s[g][o] = Bytes.f16(0.001f + r.nextFloat() * 0.05f);
            }
        }
        float[] flat = new float[groups * out];
        for (int g = 0; g < groups; g++) {
            System.arraycopy(s[g], 0, flat, g * out, out);
        }
        new TestCheckpoint().ints(P + ".qweight", DType.I32, shape(in * bits / 32, out), qw)
                .ints(P + ".qzeros", DType.I32, shape(groups, zeroWords), qz)
                .halves(P + ".scales", shape(groups, out), flat)
                .write(dir, config ? "{\"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": " + bits
                        + ", \"group_size\": " + gs + ", \"desc_act\": false, \"sym\": false}}" : null);
        try (QuantizedModel m = QuantizedModel.open(dir)) {
            QuantizedLinear l = m.layer(P).orElseThrow();
            assertThat(l.scheme()).isEqualTo(QuantScheme.GPTQ);
            assertThat(l.groupSize()).isEqualTo(gs);
            float[] w = l.dequantize();
            for (int o = 0; o < out; o++) {
                for (int k = 0; k < in; k++) {
                    int g = k / gs;
                    float expected = s[g][o] * (q[k][o] - (stored[g][o] + 1));
                    assertThat(w[o * in + k]).as("W[%d, %d]", o, k).isEqualTo(expected);
                }
            }
        }
    }

    /**
     * Block FP8 whose config gives no block size, or no config at all: the grid comes from the shape, and a
     * [300, 384] weight with a [3, 3] grid is DeepSeek's 128 × 128 blocks with a 44-row partial edge
     * (quant/README.md#layouts-read), not blocks of 100 rows.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void blockFp8GridFromTheShapeWithPartialEdge(boolean config) {
        int out = 300;
        int in = 300;
        byte[] codes = new byte[out * in];
        java.util.Arrays.fill(codes, (byte) 0x44);     // 3.0
        float[] scales = new float[9];
        for (int i = 0; i < 9; i++) {
            scales[i] = 0.015625f * (i + 1);
        }
        new TestCheckpoint().add(P + ".weight", DType.F8_E4M3, shape(out, in), codes)
                .floats(P + ".weight_scale_inv", shape(3, 3), scales)
                .write(dir, config ? "{\"quantization_config\": {\"quant_method\": \"fp8\", \"fmt\": \"e4m3\", "
                        + "\"activation_scheme\": \"dynamic\"}}" : null);
        try (QuantizedModel m = QuantizedModel.open(dir)) {
            QuantizedLinear l = m.layer(P).orElseThrow();
            // Rows 127..129 straddle the first block boundary; read them as a row range too.
            float[] rows = l.dequantize(127, 130);
            float[] all = l.dequantize();
            for (int i = 0; i < out; i++) {
                for (int j = 0; j < in; j++) {
                    float expected = 3.0f * scales[(i / 128) * 3 + j / 128];
                    assertThat(all[i * in + j]).as("w[%d, %d]", i, j).isEqualTo(expected);
                    if (i >= 127 && i < 130) {
                        assertThat(rows[(i - 127) * in + j]).isEqualTo(expected);
                    }
                }
            }
            assertThat(l.blockRows()).isEqualTo(128);
            assertThat(l.groupSize()).isEqualTo(128);
        }
    }

    /** E4M3 NaN codes (0x7F, 0xFF) stay NaN, E5M2 0x7C/0xFC are ±Inf, through any scale and in BF16. */
    @Test
    void fp8SpecialCodes() {
        byte[] e4m3 = Bytes.of(0x7F, 0xFF, 0x7E, 0x01, 0x38, 0xB8, 0x08, 0x00);
        byte[] e5m2 = Bytes.of(0x7C, 0xFC, 0x7D, 0x7B, 0x01, 0x3C, 0x04, 0x80);
        new TestCheckpoint().add(P + ".weight", DType.F8_E4M3, shape(2, 8), concat(e4m3, e4m3))
                .floats(P + ".weight_scale", shape(2, 1), 0.5f, 2f)
                .add("model.layers.0.mlp.up_proj.weight", DType.F8_E5M2, shape(1, 8), e5m2)
                .floats("model.layers.0.mlp.up_proj.weight_scale", shape(1), 0.25f)
                .write(dir, null);
        float[] e4 = {Float.NaN, Float.NaN, 448f, 0x1p-9f, 1f, -1f, 0x1p-6f, 0f};
        float[] e5 = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 57344f, 0x1p-16f, 1f, 0x1p-14f, -0f};
        try (QuantizedModel m = QuantizedModel.open(dir)) {
            float[] a = m.layer(P).orElseThrow().dequantize();
            short[] abf = m.layer(P).orElseThrow().dequantize(DType.BF16, 0, 2);
            for (int c = 0; c < 8; c++) {
                same(a[c], e4[c] * 0.5f);
                same(a[8 + c], e4[c] * 2f);
                short expected = Float.isNaN(e4[c]) ? 0x7FC0 : (short) (Float.floatToIntBits(e4[c] * 2f) >>> 16);
                assertThat(abf[8 + c]).as("bf16 %d", c).isEqualTo(expected);
            }
            float[] b = m.layer("model.layers.0.mlp.up_proj").orElseThrow().dequantize();
            for (int c = 0; c < 8; c++) {
                same(b[c], e5[c] * 0.25f);
            }
        }
    }

    /** E8M0 scales at the ends of their range: 0x00 is 2^−127 (not zero), 0xFF is NaN (quant/README.md#layouts-read). */
    @Test
    void mxfp4ScaleEdges() {
        // Two rows of 64 columns: byte 0x2F (codes F, 2 → −6, 1) everywhere; scales 0x00, 0xFF / 0xFE, 0x7F.
        byte[] packed = new byte[2 * 32];
        java.util.Arrays.fill(packed, (byte) 0x2F);
        byte[] scales = Bytes.of(0x00, 0xFF, 0xFE, 0x7F);
        new TestCheckpoint().add(P + ".weight_packed", DType.U8, shape(2, 32), packed)
                .add(P + ".weight_scale", DType.U8, shape(2, 2), scales)
                .write(dir, "{\"quantization_config\": {\"quant_method\": \"compressed-tensors\", \"format\": "
                        + "\"mxfp4-pack-quantized\", \"config_groups\": {\"group_0\": {\"targets\": [\"Linear\"], "
                        + "\"weights\": {\"num_bits\": 4, \"type\": \"float\", \"strategy\": \"group\", "
                        + "\"group_size\": 32, \"symmetric\": true}, \"format\": \"mxfp4-pack-quantized\"}}, "
                        + "\"quantization_status\": \"compressed\"}}");
        float[] scale = {0x1p-127f, Float.NaN, 0x1p127f, 1f};
        try (QuantizedModel m = QuantizedModel.open(dir)) {
            float[] w = m.layer(P).orElseThrow().dequantize();
            for (int r = 0; r < 2; r++) {
                for (int c = 0; c < 64; c++) {
                    float s = scale[r * 2 + c / 32];
                    float expected = (c % 2 == 0 ? -6f : 1f) * s;
                    same(w[r * 64 + c], expected);
                }
            }
        }
    }

    /**
     * GPTQ 3-bit act-order, v2 zero points, asymmetric: non-monotonic {@code g_idx}, fields straddling words
     * (quant/README.md#layouts-read), dequantized whole, as a row range, and unpacked.
     */
    @Test
    void gptq3BitActOrderV2() {
        int out = 32;
        int in = 64;
        int gs = 16;
        int groups = in / gs;
        Random r = new Random(3);
        int[] perm = new int[in];
        for (int i = 0; i < in; i++) {
            perm[i] = i;
        }
        for (int i = in - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] gIdx = new int[in];
        for (int i = 0; i < in; i++) {
            gIdx[perm[i]] = i / gs;          // groups formed in activation order
        }
        int[][] q = new int[out][in];
        int packedRows = in * 3 / 32;
        int[] qw = new int[packedRows * out];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) {
                q[o][k] = r.nextInt(8);
            }
            int[] column = pack(q[o], 3, packedRows);
            for (int w = 0; w < packedRows; w++) {
                qw[w * out + o] = column[w];
            }
        }
        int zeroWords = out * 3 / 32;
        int[][] z = new int[groups][out];
        int[] qz = new int[groups * zeroWords];
        float[] scales = new float[groups * out];
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < out; o++) {
                z[g][o] = r.nextInt(8);
                scales[g * out + o] = Bytes.f16(0.01f + r.nextFloat() * 0.1f);
            }
            System.arraycopy(pack(z[g], 3, zeroWords), 0, qz, g * zeroWords, zeroWords);
        }
        new TestCheckpoint().ints(P + ".qweight", DType.I32, shape(packedRows, out), qw)
                .ints(P + ".qzeros", DType.I32, shape(groups, zeroWords), qz)
                .halves(P + ".scales", shape(groups, out), scales)
                .ints(P + ".g_idx", DType.I32, shape(in), gIdx)
                .write(dir, "{\"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": 3, \"group_size\": 16, "
                        + "\"desc_act\": true, \"sym\": false, \"checkpoint_format\": \"gptq_v2\"}}");
        try (QuantizedModel m = QuantizedModel.open(dir)) {
            QuantizedLinear l = m.layer(P).orElseThrow();
            assertThat(l.actOrder()).isTrue();
            assertThat(l.symmetric()).isFalse();
            float[] all = l.dequantize();
            float[] rows = l.dequantize(5, 17);
            UnpackedWeights u = l.unpack(5, 17);
            for (int o = 0; o < out; o++) {
                for (int k = 0; k < in; k++) {
                    int g = gIdx[k];
                    float expected = scales[g * out + o] * (q[o][k] - z[g][o]);
                    same(all[o * in + k], expected);
                    if (o >= 5 && o < 17) {
                        same(rows[(o - 5) * in + k], expected);
                    }
                }
            }
            assertThat(u.toString()).isNotEmpty();
        }
    }

    /**
     * AWQ with a last partial group (200 inputs, group 64): interleaved nibbles, unsigned zeros (quant/README.md#layouts-read);
     * without a config the group size comes from the shapes, 64 (not ⌈200 / 4⌉ = 50).
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void awqPartialLastGroup(boolean config) {
        int out = 24;
        int in = 200;
        int gs = 64;
        int groups = (in + gs - 1) / gs;
        int[] order = {0, 2, 4, 6, 1, 3, 5, 7};
        Random r = new Random(13);
        int[][] q = new int[in][out];
        int[] qw = new int[in * out / 8];
        for (int k = 0; k < in; k++) {
            for (int o = 0; o < out; o++) {
                q[k][o] = r.nextInt(16);
            }
            for (int c = 0; c < out / 8; c++) {
                for (int p = 0; p < 8; p++) {
                    qw[k * (out / 8) + c] |= q[k][8 * c + order[p]] << (4 * p);
                }
            }
        }
        int[][] z = new int[groups][out];
        int[] qz = new int[groups * out / 8];
        float[] scales = new float[groups * out];
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < out; o++) {
                z[g][o] = r.nextInt(16);
                scales[g * out + o] = Bytes.f16(0.01f + r.nextFloat() * 0.1f);
            }
            for (int c = 0; c < out / 8; c++) {
                for (int p = 0; p < 8; p++) {
                    qz[g * (out / 8) + c] |= z[g][8 * c + order[p]] << (4 * p);
                }
            }
        }
        new TestCheckpoint().ints(P + ".qweight", DType.I32, shape(in, out / 8), qw)
                .ints(P + ".qzeros", DType.I32, shape(groups, out / 8), qz)
                .halves(P + ".scales", shape(groups, out), scales)
                .write(dir, config ? "{\"quantization_config\": {\"quant_method\": \"awq\", \"bits\": 4, "
                        + "\"group_size\": 64, \"zero_point\": true, \"version\": \"gemm\"}}" : null);
        try (QuantizedModel m = QuantizedModel.open(dir)) {
            QuantizedLinear l = m.layer(P).orElseThrow();
            assertThat(l.scheme()).isEqualTo(QuantScheme.AWQ);
            assertThat(l.groupSize()).isEqualTo(64);
            float[] all = l.dequantize();
            float[] rows = l.dequantize(7, 9);
            for (int o = 0; o < out; o++) {
                for (int k = 0; k < in; k++) {
                    int g = k / gs;
                    float expected = (q[k][o] - z[g][o]) * scales[g * out + o];
                    same(all[o * in + k], expected);
                    if (o == 7 || o == 8) {
                        same(rows[(o - 7) * in + k], expected);
                    }
                }
            }
        }
    }

    /** MLX affine 3-bit with biases: each row one LSB-first bit stream, {@code w = scale × q + bias} (§16). */
    @Test
    void mlxAffine3Bit() {
        int out = 4;
        int in = 64;
        int gs = 32;
        Random r = new Random(16);
        int[][] q = new int[out][in];
        int words = in * 3 / 32;
        int[] w = new int[out * words];
        float[] scales = new float[out * 2];
        float[] biases = new float[out * 2];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) {
                q[o][k] = r.nextInt(8);
            }
            System.arraycopy(pack(q[o], 3, words), 0, w, o * words, words);
            for (int g = 0; g < 2; g++) {
                scales[o * 2 + g] = Bytes.f16(0.01f + r.nextFloat() * 0.1f);
                biases[o * 2 + g] = Bytes.f16(-0.3f + r.nextFloat() * 0.1f);
            }
        }
        new TestCheckpoint().ints(P + ".weight", DType.U32, shape(out, words), w)
                .halves(P + ".scales", shape(out, 2), scales).halves(P + ".biases", shape(out, 2), biases)
                .write(dir, "{\"quantization\": {\"group_size\": 32, \"bits\": 3}}");
        try (QuantizedModel m = QuantizedModel.open(dir)) {
            float[] all = m.layer(P).orElseThrow().dequantize();
            for (int o = 0; o < out; o++) {
                for (int k = 0; k < in; k++) {
                    int g = k / gs;
                    same(all[o * in + k], scales[o * 2 + g] * q[o][k] + biases[o * 2 + g]);
                }
            }
        }
    }

    /**
     * compressed-tensors pack-quantized 4-bit, asymmetric, act-order groups and a partial last group: zero points
     * packed along the output dimension {@code [⌈out·b/32⌉, groups]}, values and zeros offset by 8 (quant/README.md#layouts-read).
     */
    @Test
    void packQuantizedAsymmetricActOrder() {
        int out = 16;
        int in = 80;
        int gs = 32;
        int groups = 3;
        Random r = new Random(14);
        int[][] u = new int[out][in];
        int[] packed = new int[out * in / 8];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) {
                u[o][k] = r.nextInt(16);
            }
            System.arraycopy(pack(u[o], 4, in / 8), 0, packed, o * in / 8, in / 8);
        }
        int[] gIdx = new int[in];
        for (int k = 0; k < in; k++) {
            gIdx[k] = (k * 7) % in / gs;     // every group used, out of column order
        }
        int[][] uz = new int[groups][out];
        int[] zp = new int[2 * groups];      // [⌈16 · 4 / 32⌉, groups]
        float[] scales = new float[out * groups];
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < out; o++) {
                uz[g][o] = r.nextInt(16);
                zp[(o / 8) * groups + g] |= uz[g][o] << (4 * (o % 8));
            }
        }
        for (int i = 0; i < scales.length; i++) {
            scales[i] = Bytes.f16(0.01f + r.nextFloat() * 0.1f);
        }
        new TestCheckpoint().ints(P + ".weight_packed", DType.I32, shape(out, in / 8), packed)
                .halves(P + ".weight_scale", shape(out, groups), scales)
                .ints(P + ".weight_zero_point", DType.I32, shape(2, groups), zp)
                .ints(P + ".weight_g_idx", DType.I32, shape(in), gIdx)
                .add(P + ".weight_shape", DType.I64, shape(2), Bytes.longs(out, in))
                .write(dir, "{\"quantization_config\": {\"quant_method\": \"compressed-tensors\", \"format\": "
                        + "\"pack-quantized\", \"config_groups\": {\"group_0\": {\"targets\": [\"Linear\"], "
                        + "\"weights\": {\"num_bits\": 4, \"type\": \"int\", \"strategy\": \"group\", "
                        + "\"group_size\": 32, \"symmetric\": false, \"actorder\": \"group\"}, "
                        + "\"format\": \"pack-quantized\"}}, \"quantization_status\": \"compressed\"}}");
        try (QuantizedModel m = QuantizedModel.open(dir)) {
            QuantizedLinear l = m.layer(P).orElseThrow();
            float[] all = l.dequantize();
            for (int o = 0; o < out; o++) {
                for (int k = 0; k < in; k++) {
                    int g = gIdx[k];
                    same(all[o * in + k], (u[o][k] - uz[g][o]) * scales[o * groups + g]);
                }
            }
        }
    }

    /**
     * NVFP4's per-tensor scale in each producer's convention (quant/README.md#layouts-read): ModelOpt multiplies by
     * {@code weight_scale_2}, compressed-tensors divides by {@code weight_global_scale}; the same codes and block
     * scales with {@code weight_scale_2 = 1 / weight_global_scale} (a power of two here) give the same weights.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void nvfp4GlobalScaleConventions(boolean modelOpt) {
        float[] e2m1 = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f};
        int out = 3;
        int in = 48;
        Random r = new Random(10);
        byte[] packed = new byte[out * in / 2];
        r.nextBytes(packed);
        byte[] blockScales = new byte[out * 3];
        for (int i = 0; i < blockScales.length; i++) {
            blockScales[i] = (byte) (0x30 + r.nextInt(0x30));   // positive, normal E4M3 codes
        }
        float global = 256f;
        TestCheckpoint c = new TestCheckpoint().add(P + (modelOpt ? ".weight" : ".weight_packed"), DType.U8,
                shape(out, in / 2), packed).add(P + ".weight_scale", DType.F8_E4M3, shape(out, 3), blockScales);
        if (modelOpt) {
            c.floats(P + ".weight_scale_2", shape(), 1f / global).floats(P + ".input_scale", shape(), 0.5f);
        } else {
            c.floats(P + ".weight_global_scale", shape(1), global);
        }
        c.write(dir, modelOpt ? "{\"quantization_config\": {\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\", "
                + "\"group_size\": 16}}" : "{\"quantization_config\": {\"quant_method\": \"compressed-tensors\", "
                + "\"format\": \"nvfp4-pack-quantized\", \"config_groups\": {\"group_0\": {\"targets\": [\"Linear\"], "
                + "\"weights\": {\"num_bits\": 4, \"type\": \"float\", \"strategy\": \"tensor_group\", "
                + "\"group_size\": 16, \"symmetric\": true}, \"format\": \"nvfp4-pack-quantized\"}}, "
                + "\"quantization_status\": \"compressed\"}}");
        try (QuantizedModel m = QuantizedModel.open(dir)) {
            QuantizedLinear l = m.layer(P).orElseThrow();
            assertThat(l.scheme()).isEqualTo(QuantScheme.NVFP4);
            float[] w = l.dequantize();
            for (int row = 0; row < out; row++) {
                for (int col = 0; col < in; col++) {
                    int b = packed[(row * in + col) / 2] & 0xFF;
                    int code = col % 2 == 0 ? b & 0xF : b >>> 4;
                    // Exact: the global scale is a power of two, E2M1 × E4M3 has at most 6 significant bits.
                    float expected = e2m1[code] * e4m3(blockScales[row * 3 + col / 16]) / global;
                    same(w[row * in + col], expected);
                }
            }
        }
    }

    /** A positive normal E4M3 code's value, 2^(e − 7) × (1 + m / 8) (quant/README.md#layouts-read). */
    private static float e4m3(byte code) {
        int e = (code >>> 3) & 0xF;
        int m = code & 7;
        return Math.scalb(1 + m / 8f, e - 7);
    }

    /** An MLX layer of no columns ({@code weight [4, 0]}, {@code scales [4, 0]}) is refused when it opens. */
    @Test
    void mlxLayerWithoutColumns() {
        new TestCheckpoint().add(P + ".weight", DType.U32, shape(4, 0), new byte[0])
                .add(P + ".scales", DType.F16, shape(4, 0), new byte[0])
                .add(P + ".biases", DType.F16, shape(4, 0), new byte[0])
                .write(dir, "{\"quantization\": {\"group_size\": 64, \"bits\": 4}}");
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> {
            try (QuantizedModel m = QuantizedModel.open(dir)) {
                m.layers().forEach(QuantizedLinear::dequantize);
            }
        });
        assertThat(t).isInstanceOf(dev.safetensors.SafeTensorsException.class)
                .hasMessageContaining("model.safetensors").hasMessageContaining(P).hasMessageContaining("4 × 0");
        assertThat(((dev.safetensors.SafeTensorsException) t).kind())
                .isEqualTo(dev.safetensors.SafeTensorsException.Kind.InvalidQuantization);
    }

    /** Equal floats, NaN equal to NaN (any payload), −0 apart from +0. */
    private static void same(float actual, float expected) {
        assertThat(Float.floatToIntBits(actual)).as("%s, expected %s", actual, expected)
                .isEqualTo(Float.floatToIntBits(expected));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
