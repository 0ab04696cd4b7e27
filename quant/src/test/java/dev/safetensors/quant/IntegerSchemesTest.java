package dev.safetensors.quant;

import static dev.safetensors.quant.Bytes.f16;
import static dev.safetensors.quant.Reference.bf16;
import static dev.safetensors.quant.TestCheckpoint.shape;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Integer schemes end to end: a random F32 matrix quantized by a scalar reference written here, packed bit by
 * bit, written as a checkpoint with the producer's config.json, then detected, dequantized and compared with
 * the formula applied here, exactly; and with the original matrix within a quantization step.
 */
class IntegerSchemesTest {
    static final int OUT = 64;
    static final int IN = 256;

    @TempDir
    Path dir;

    /** Checks {@code layer} against the expected [OUT, in] weight: whole, a row range, and BF16. */
    static void check(QuantizedLinear layer, float[] expected, int in) {
        assertThat(layer.rows()).isEqualTo(expected.length / in);
        assertThat(layer.columns()).isEqualTo(in);
        assertThat(layer.dequantize()).containsExactly(expected);
        float[] middle = layer.dequantize(5, 9);
        for (int i = 0; i < middle.length; i++) {
            assertThat(middle[i]).isEqualTo(expected[5 * in + i]);
        }
        try (Arena arena = Arena.ofConfined()) {
            int n = expected.length;
            MemorySegment bf = arena.allocate(2L * n);
            layer.dequantize(0, layer.rows(), DType.BF16, bf);
            for (int i = 0; i < n; i++) {
                short got = bf.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i);
                if (Float.intBitsToFloat(got << 16) != bf16(expected[i])) {
                    throw new AssertionError("BF16 element " + i + ": " + Float.intBitsToFloat(got << 16) + " != "
                            + bf16(expected[i]));
                }
            }
        }
        UnpackedWeights u = layer.unpack(0, 3);
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < in; c += 7) {
                assertThat(u.value(r, c)).isEqualTo(expected[r * in + c]);
            }
        }
    }

    /** Within one quantization step of the original: half a step of rounding, the rest clamping at the range ends. */
    static void closeTo(float[] got, float[] original, float[] step) {
        for (int i = 0; i < got.length; i++) {
            if (!(Math.abs(got[i] - original[i]) <= step[i] * 1.01f)) {
                throw new AssertionError("element " + i + ": " + got[i] + " is more than a step " + step[i] + " from "
                        + original[i]);
            }
        }
    }

    @ParameterizedTest(name = "{0}-bit, group {1}, act-order {2}, v2 {3}")
    @CsvSource({"4, 64, false, false", "4, 64, true, false", "4, -1, false, true", "2, 128, false, false",
        "3, 64, true, false", "3, -1, true, true", "8, 32, false, true"})
    void gptq(int bits, int groupSize, boolean actOrder, boolean v2) {
        float[] w = Reference.randomMatrix(bits * 31 + groupSize, OUT, IN, 0.05f);
        int gs = groupSize == -1 ? IN : groupSize;
        int groups = IN / gs;
        int[] gIdx = new int[IN];
        int[] order = permutation(IN, actOrder ? 5 : 0);
        for (int j = 0; j < IN; j++) {
            gIdx[order[j]] = j / gs;                // groups formed in activation order, rows kept in place
        }
        int max = (1 << bits) - 1;
        float[] scale = new float[groups * OUT];    // [G, out]
        int[] zero = new int[groups * OUT];
        int[] q = new int[OUT * IN];                // [out, in]
        float[] expected = new float[OUT * IN];
        float[] step = new float[OUT * IN];
        for (int o = 0; o < OUT; o++) {
            for (int g = 0; g < groups; g++) {
                float lo = 0;
                float hi = 0;
                for (int k = 0; k < IN; k++) {
                    if (gIdx[k] == g) {
                        lo = Math.min(lo, w[o * IN + k]);
                        hi = Math.max(hi, w[o * IN + k]);
                    }
                }
                float s = f16((hi - lo) / max);
                int z = Math.max(v2 ? 0 : 1, Math.min(max, Math.round(-lo / s)));
                scale[g * OUT + o] = s;
                zero[g * OUT + o] = z;
            }
            for (int k = 0; k < IN; k++) {
                int g = gIdx[k];
                float s = scale[g * OUT + o];
                int z = zero[g * OUT + o];
                q[o * IN + k] = Math.max(0, Math.min(max, Math.round(w[o * IN + k] / s) + z));
                expected[o * IN + k] = (q[o * IN + k] - z) * s;
                step[o * IN + k] = s;
            }
        }
        int packedRows = IN * bits / 32;
        int[] qweight = new int[packedRows * OUT];
        for (int o = 0; o < OUT; o++) {
            int[] column = new int[IN];
            for (int k = 0; k < IN; k++) {
                column[k] = q[o * IN + k];
            }
            int[] words = Reference.denseBits(column, bits);
            for (int kw = 0; kw < packedRows; kw++) {
                qweight[kw * OUT + o] = words[kw];
            }
        }
        int zeroWords = (OUT * bits + 31) / 32;
        int[] qzeros = new int[groups * zeroWords];
        for (int g = 0; g < groups; g++) {
            int[] row = new int[OUT];
            for (int o = 0; o < OUT; o++) {
                row[o] = (zero[g * OUT + o] - (v2 ? 0 : 1)) & max;
            }
            System.arraycopy(Reference.denseBits(row, bits), 0, qzeros, g * zeroWords, zeroWords);
        }
        String p = "model.layers.0.self_attn.q_proj";
        new TestCheckpoint()
                .ints(p + ".qweight", DType.I32, shape(packedRows, OUT), qweight)
                .ints(p + ".qzeros", DType.I32, shape(groups, zeroWords), qzeros)
                .halves(p + ".scales", shape(groups, OUT), scale)
                .ints(p + ".g_idx", DType.I32, shape(IN), gIdx)
                .halves(p + ".bias", shape(OUT), new float[OUT])
                .write(dir, "{\"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": " + bits
                        + ", \"group_size\": " + groupSize + ", \"desc_act\": " + actOrder + ", \"sym\": false, "
                        + "\"checkpoint_format\": \"" + (v2 ? "gptq_v2" : "gptq") + "\"}}");
        try (QuantizedModel model = QuantizedModel.open(dir)) {
            QuantizedLinear layer = model.layer(p).orElseThrow();
            assertThat(layer.scheme()).isEqualTo(QuantScheme.GPTQ);
            assertThat(layer.bits()).isEqualTo(bits);
            assertThat(layer.groupSize()).isEqualTo(groupSize);
            assertThat(layer.format()).isEqualTo(v2 ? "gptq v2" : "gptq v1");
            assertThat(layer.actOrder()).isEqualTo(actOrder);
            assertThat(layer.shape().dims()).containsExactly(OUT, IN);
            assertThat(layer.tensors()).containsKeys("qweight", "qzeros", "scales", "g_idx");
            assertThat(model.denseTensorNames()).containsExactly(p + ".bias");
            assertThat(model.logicalParameterCount()).isEqualTo((long) OUT * IN + OUT);
            check(layer, expected, IN);
            closeTo(layer.dequantize(), w, step);
        }
    }

    @Test
    void awqGemm() {
        int gs = 64;
        int groups = IN / gs;
        float[] w = Reference.randomMatrix(7, OUT, IN, 0.05f);
        int[] q = new int[IN * OUT];          // stored [in, out]
        int[] z = new int[groups * OUT];
        float[] s = new float[groups * OUT];
        float[] expected = new float[OUT * IN];
        float[] step = new float[OUT * IN];
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < OUT; o++) {
                float lo = 0;
                float hi = 0;
                for (int k = g * gs; k < (g + 1) * gs; k++) {
                    lo = Math.min(lo, w[o * IN + k]);
                    hi = Math.max(hi, w[o * IN + k]);
                }
                s[g * OUT + o] = f16((hi - lo) / 15);
                z[g * OUT + o] = Math.min(15, Math.round(-lo / s[g * OUT + o]));
                for (int k = g * gs; k < (g + 1) * gs; k++) {
                    int v = Math.max(0, Math.min(15, Math.round(w[o * IN + k] / s[g * OUT + o]) + z[g * OUT + o]));
                    q[k * OUT + o] = v;
                    expected[o * IN + k] = (v - z[g * OUT + o]) * s[g * OUT + o];
                    step[o * IN + k] = s[g * OUT + o];
                }
            }
        }
        String p = "model.layers.3.mlp.down_proj";
        new TestCheckpoint()
                .ints(p + ".qweight", DType.I32, shape(IN, OUT / 8), awqPack(q, IN))
                .ints(p + ".qzeros", DType.I32, shape(groups, OUT / 8), awqPack(z, groups))
                .halves(p + ".scales", shape(groups, OUT), s)
                .write(dir, "{\"quantization_config\": {\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 64, "
                        + "\"zero_point\": true, \"version\": \"gemm\"}}");
        try (QuantizedModel model = QuantizedModel.open(dir)) {
            QuantizedLinear layer = model.layers().get(0);
            assertThat(layer.scheme()).isEqualTo(QuantScheme.AWQ);
            assertThat(layer.groupSize()).isEqualTo(64);
            check(layer, expected, IN);
            closeTo(layer.dequantize(), w, step);
        }
    }

    /** AutoAWQ's order: nibble p of word c holds column 8c + ORDER[p]. */
    static int[] awqPack(int[] values, int rows) {
        int[] order = {0, 2, 4, 6, 1, 3, 5, 7};
        int[] words = new int[rows * OUT / 8];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < OUT / 8; c++) {
                for (int p = 0; p < 8; p++) {
                    words[r * OUT / 8 + c] |= values[r * OUT + 8 * c + order[p]] << (4 * p);
                }
            }
        }
        return words;
    }

    @ParameterizedTest(name = "{0}-bit, group {1}, symmetric {2}, version {3}, act-order {4}")
    @CsvSource({"4, 64, true, 0.15.0, false", "4, -1, true, 0.17.0, false", "3, 64, false, 0.17.0, false",
        "3, 64, false, 0.16.0, false", "5, 32, false, 0.14.1, false", "8, 128, true, 0.17.1, true",
        "2, 64, false, 0.18.0, true"})
    void compressedTensorsPackQuantized(int bits, int groupSize, boolean symmetric, String version, boolean actOrder) {
        boolean dense = version.compareTo("0.17.0") >= 0;
        int gs = groupSize == -1 ? IN : groupSize;
        int groups = IN / gs;
        int half = 1 << (bits - 1);
        float[] w = Reference.randomMatrix(bits * 7 + gs, OUT, IN, 0.03f);
        int[] gIdx = new int[IN];
        int[] order = permutation(IN, actOrder ? 9 : 0);
        for (int j = 0; j < IN; j++) {
            gIdx[order[j]] = j / gs;
        }
        float[] s = new float[OUT * groups];
        int[] zp = new int[OUT * groups];         // signed zero points
        int[] u = new int[OUT * IN];
        float[] expected = new float[OUT * IN];
        float[] step = new float[OUT * IN];
        for (int o = 0; o < OUT; o++) {
            for (int g = 0; g < groups; g++) {
                float lo = 0;
                float hi = 0;
                for (int k = 0; k < IN; k++) {
                    if (gIdx[k] == g) {
                        lo = Math.min(lo, w[o * IN + k]);
                        hi = Math.max(hi, w[o * IN + k]);
                    }
                }
                float scale = symmetric ? Math.max(-lo, hi) / ((2 * half - 1) / 2f) : (hi - lo) / (2 * half - 1);
                s[o * groups + g] = bf16(scale);
                zp[o * groups + g] = symmetric ? 0 : Math.max(-half, Math.min(half - 1,
                        Math.round(-half - lo / s[o * groups + g])));
            }
            for (int k = 0; k < IN; k++) {
                int g = gIdx[k];
                float scale = s[o * groups + g];
                int qv = Math.max(-half, Math.min(half - 1, Math.round(w[o * IN + k] / scale) + zp[o * groups + g]));
                u[o * IN + k] = qv + half;
                expected[o * IN + k] = (float) (qv - zp[o * groups + g]) * scale;
                step[o * IN + k] = scale;
            }
        }
        int rowWords = dense ? (IN * bits + 31) / 32 : (IN + 32 / bits - 1) / (32 / bits);
        int[] packed = new int[OUT * rowWords];
        for (int o = 0; o < OUT; o++) {
            int[] row = java.util.Arrays.copyOfRange(u, o * IN, (o + 1) * IN);
            int[] words = dense ? Reference.denseBits(row, bits) : Reference.alignedBits(row, bits);
            System.arraycopy(words, 0, packed, o * rowWords, rowWords);
        }
        String p = "model.layers.0.mlp.gate_proj";
        TestCheckpoint ckpt = new TestCheckpoint()
                .ints(p + ".weight_packed", DType.I32, shape(OUT, rowWords), packed)
                .add(p + ".weight_scale", DType.BF16, shape(OUT, groups), Bytes.bf16s(s))
                .add(p + ".weight_shape", DType.I64, shape(2), Bytes.longs(OUT, IN));
        if (!symmetric) {
            // Zero points packed along the output dimension: column g is one stream over the rows.
            int zRows = dense ? (OUT * bits + 31) / 32 : (OUT + 32 / bits - 1) / (32 / bits);
            int[] zw = new int[zRows * groups];
            for (int g = 0; g < groups; g++) {
                int[] column = new int[OUT];
                for (int o = 0; o < OUT; o++) {
                    column[o] = zp[o * groups + g] + half;
                }
                int[] words = dense ? Reference.denseBits(column, bits) : Reference.alignedBits(column, bits);
                for (int i = 0; i < zRows; i++) {
                    zw[i * groups + g] = words[i];
                }
            }
            ckpt.ints(p + ".weight_zero_point", DType.I32, shape(zRows, groups), zw);
        }
        if (actOrder) {
            ckpt.ints(p + ".weight_g_idx", DType.I32, shape(IN), gIdx);
        }
        String strategy = groupSize == -1 ? "\"channel\"" : "\"group\", \"group_size\": " + groupSize;
        ckpt.write(dir, "{\"quantization_config\": {\"quant_method\": \"compressed-tensors\", \"format\": "
                + "\"pack-quantized\", \"version\": \"" + version + "\", \"ignore\": [\"lm_head\"], \"config_groups\": "
                + "{\"group_0\": {\"targets\": [\"Linear\"], \"weights\": {\"num_bits\": " + bits + ", \"type\": \"int\", "
                + "\"symmetric\": " + symmetric + ", \"strategy\": " + strategy + ", \"actorder\": "
                + (actOrder ? "\"group\"" : "null") + "}}}}}");
        try (QuantizedModel model = QuantizedModel.open(dir)) {
            QuantizedLinear layer = model.layer(p).orElseThrow();
            assertThat(layer.scheme()).isEqualTo(QuantScheme.INT);
            assertThat(layer.bits()).isEqualTo(bits);
            assertThat(layer.symmetric()).isEqualTo(symmetric);
            assertThat(layer.actOrder()).isEqualTo(actOrder);
            assertThat(model.detection().ignore()).containsExactly("lm_head");
            check(layer, expected, IN);
            closeTo(layer.dequantize(), w, step);
        }
    }

    @Test
    void compressedTensorsInt8PerChannel() {
        float[] w = Reference.randomMatrix(3, OUT, IN, 0.1f);
        byte[] q = new byte[OUT * IN];
        float[] s = new float[OUT];
        float[] expected = new float[OUT * IN];
        for (int o = 0; o < OUT; o++) {
            s[o] = Reference.maxAbs(w, o * IN, (o + 1) * IN) / 127.5f;
            for (int k = 0; k < IN; k++) {
                int v = Math.max(-128, Math.min(127, Math.round(w[o * IN + k] / s[o])));
                q[o * IN + k] = (byte) v;
                expected[o * IN + k] = v * s[o];
            }
        }
        String p = "model.layers.0.self_attn.o_proj";
        new TestCheckpoint().add(p + ".weight", DType.I8, shape(OUT, IN), q).floats(p + ".weight_scale", shape(OUT, 1), s)
                .write(dir, "{\"quantization_config\": {\"quant_method\": \"compressed-tensors\", \"format\": "
                        + "\"int-quantized\", \"config_groups\": {\"g\": {\"targets\": [\"Linear\"], \"weights\": "
                        + "{\"num_bits\": 8, \"type\": \"int\", \"symmetric\": true, \"strategy\": \"channel\"}}}}}");
        try (QuantizedModel model = QuantizedModel.open(dir)) {
            QuantizedLinear layer = model.layer(p).orElseThrow();
            assertThat(layer.scheme()).isEqualTo(QuantScheme.INT);
            assertThat(layer.groupSize()).isEqualTo(-1);
            check(layer, expected, IN);
        }
    }

    @Test
    void mlxAffineWithAPerLayerOverride() {
        String a = "model.layers.0.mlp.down_proj";
        String b = "model.layers.0.mlp.up_proj";
        TestCheckpoint ckpt = new TestCheckpoint();
        float[][] expected = new float[2][];
        for (int layer = 0; layer < 2; layer++) {
            int bits = layer == 0 ? 4 : 3;
            int gs = layer == 0 ? 64 : 32;
            int groups = IN / gs;
            int max = (1 << bits) - 1;
            float[] w = Reference.randomMatrix(40 + layer, OUT, IN, 0.02f);
            float[] scales = new float[OUT * groups];
            float[] biases = new float[OUT * groups];
            int[] words = new int[OUT * IN * bits / 32];
            expected[layer] = new float[OUT * IN];
            for (int o = 0; o < OUT; o++) {
                int[] row = new int[IN];
                for (int g = 0; g < groups; g++) {
                    float lo = Float.MAX_VALUE;
                    float hi = -Float.MAX_VALUE;
                    for (int k = g * gs; k < (g + 1) * gs; k++) {
                        lo = Math.min(lo, w[o * IN + k]);
                        hi = Math.max(hi, w[o * IN + k]);
                    }
                    float scale = bf16((hi - lo) / max);
                    float bias = bf16(lo);
                    scales[o * groups + g] = scale;
                    biases[o * groups + g] = bias;
                    for (int k = g * gs; k < (g + 1) * gs; k++) {
                        row[k] = Math.max(0, Math.min(max, Math.round((w[o * IN + k] - bias) / scale)));
                        expected[layer][o * IN + k] = scale * row[k] + bias;
                    }
                }
                System.arraycopy(Reference.denseBits(row, bits), 0, words, o * IN * bits / 32, IN * bits / 32);
            }
            String p = layer == 0 ? a : b;
            ckpt.ints(p + ".weight", DType.U32, shape(OUT, IN * bits / 32), words)
                    .add(p + ".scales", DType.BF16, shape(OUT, groups), Bytes.bf16s(scales))
                    .add(p + ".biases", DType.BF16, shape(OUT, groups), Bytes.bf16s(biases));
        }
        ckpt.write(dir, "{\"quantization\": {\"group_size\": 64, \"bits\": 4, \"" + b
                + "\": {\"group_size\": 32, \"bits\": 3}}}");
        try (QuantizedModel model = QuantizedModel.open(dir)) {
            assertThat(model.layers()).hasSize(2);
            QuantizedLinear down = model.layer(a).orElseThrow();
            QuantizedLinear up = model.layer(b).orElseThrow();
            assertThat(down.scheme()).isEqualTo(QuantScheme.MLX_AFFINE);
            assertThat(down.bits()).isEqualTo(4);
            assertThat(up.bits()).isEqualTo(3);
            assertThat(up.groupSize()).isEqualTo(32);
            check(down, expected[0], IN);
            check(up, expected[1], IN);
        }
    }

    @Test
    void bitsAndBytesInt8() {
        float[] w = Reference.randomMatrix(8, OUT, IN, 0.1f);
        byte[] q = new byte[OUT * IN];
        float[] scb = new float[OUT];
        float[] expected = new float[OUT * IN];
        for (int o = 0; o < OUT; o++) {
            scb[o] = Reference.maxAbs(w, o * IN, (o + 1) * IN);
            for (int k = 0; k < IN; k++) {
                int v = Math.round(w[o * IN + k] * 127 / scb[o]);
                q[o * IN + k] = (byte) v;
                expected[o * IN + k] = v * (scb[o] / 127f);
            }
        }
        String p = "model.layers.0.mlp.up_proj";
        new TestCheckpoint().add(p + ".weight", DType.I8, shape(OUT, IN), q).floats(p + ".SCB", shape(OUT), scb)
                .add(p + ".weight_format", DType.U8, shape(), new byte[] {0})
                .write(dir, "{\"quantization_config\": {\"quant_method\": \"bitsandbytes\", \"load_in_8bit\": true}}");
        try (QuantizedModel model = QuantizedModel.open(dir)) {
            QuantizedLinear layer = model.layer(p).orElseThrow();
            assertThat(layer.scheme()).isEqualTo(QuantScheme.BNB_INT8);
            assertThat(layer.tensors()).containsKeys("weight", "SCB", "weight_format");
            check(layer, expected, IN);
        }
    }

    /** 0..n−1 shuffled by {@code seed}, or in order for seed 0. */
    static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        if (seed != 0) {
            Random r = new Random(seed);
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
        }
        return p;
    }
}
