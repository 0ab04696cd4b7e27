package dev.safetensors.quant;

import static dev.safetensors.quant.IntegerSchemesTest.check;
import static dev.safetensors.quant.Reference.E2M1;
import static dev.safetensors.quant.Reference.bf16;
import static dev.safetensors.quant.Reference.e2m1Code;
import static dev.safetensors.quant.Reference.e4m3;
import static dev.safetensors.quant.Reference.e4m3Code;
import static dev.safetensors.quant.TestCheckpoint.shape;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.ByteSink;
import dev.safetensors.DType;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FP8, MXFP4 and NVFP4 end to end, each producer's layout: quantized here by a scalar reference (codes chosen
 * by searching the format's values, scales by the producers' rules), written with the producer's config,
 * detected, dequantized, compared with the formula applied here.
 */
class FloatSchemesTest {
    @TempDir
    Path dir;

    @Test
    void deepSeekBlockFp8WithPartialBlocks() {
        int out = 300;
        int in = 384;
        float[] w = Reference.randomMatrix(1, out, in, 0.2f);
        int gr = (out + 127) / 128;
        int gc = in / 128;
        float[] scaleInv = new float[gr * gc];
        for (int br = 0; br < gr; br++) {
            for (int bc = 0; bc < gc; bc++) {
                float amax = 0;
                for (int r = br * 128; r < Math.min(out, br * 128 + 128); r++) {
                    amax = Math.max(amax, Reference.maxAbs(w, r * in + bc * 128, r * in + bc * 128 + 128));
                }
                scaleInv[br * gc + bc] = amax / 448;
            }
        }
        byte[] q = new byte[out * in];
        float[] expected = new float[out * in];
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                float s = scaleInv[(r / 128) * gc + c / 128];
                int code = e4m3Code(w[r * in + c] / s);
                q[r * in + c] = (byte) code;
                expected[r * in + c] = e4m3(code) * s;
            }
        }
        String p = "model.layers.0.mlp.down_proj";
        new TestCheckpoint().add(p + ".weight", DType.F8_E4M3, shape(out, in), q)
                .floats(p + ".weight_scale_inv", shape(gr, gc), scaleInv)
                .write(dir, "{\"quantization_config\": {\"quant_method\": \"fp8\", \"fmt\": \"e4m3\", "
                        + "\"activation_scheme\": \"dynamic\", \"weight_block_size\": [128, 128]}}");
        try (QuantizedModel model = QuantizedModel.open(dir)) {
            QuantizedLinear layer = model.layer(p).orElseThrow();
            assertThat(layer.scheme()).isEqualTo(QuantScheme.FP8);
            assertThat(layer.groupSize()).isEqualTo(128);
            assertThat(layer.blockRows()).isEqualTo(128);
            check(layer, expected, in);
        }
    }

    @ParameterizedTest(name = "compressed-tensors float-quantized, {0}")
    @ValueSource(strings = {"tensor", "channel", "group", "block"})
    void compressedTensorsFloatQuantized(String strategy) {
        int out = 96;
        int in = 256;
        float[] w = Reference.randomMatrix(strategy.hashCode(), out, in, 0.1f);
        int blockRows = switch (strategy) {
            case "tensor" -> out;
            case "block" -> 64;
            default -> 1;
        };
        int blockColumns = switch (strategy) {
            case "group" -> 64;
            case "block" -> 128;
            default -> in;
        };
        int gr = (out + blockRows - 1) / blockRows;
        int gc = in / blockColumns;
        float[] scale = new float[gr * gc];
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                int i = (r / blockRows) * gc + c / blockColumns;
                scale[i] = Math.max(scale[i], Math.abs(w[r * in + c]));
            }
        }
        for (int i = 0; i < scale.length; i++) {
            scale[i] = bf16(scale[i] / 448);
        }
        byte[] q = new byte[out * in];
        float[] expected = new float[out * in];
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                float s = scale[(r / blockRows) * gc + c / blockColumns];
                int code = e4m3Code(w[r * in + c] / s);
                q[r * in + c] = (byte) code;
                expected[r * in + c] = e4m3(code) * s;
            }
        }
        long[] scaleShape = switch (strategy) {
            case "tensor" -> shape(1);
            case "channel" -> shape(out, 1);
            default -> shape(gr, gc);
        };
        String args = switch (strategy) {
            case "group" -> "\"strategy\": \"group\", \"group_size\": 64";
            case "block" -> "\"strategy\": \"block\", \"block_structure\": [64, 128]";
            default -> "\"strategy\": \"" + strategy + "\"";
        };
        String p = "model.layers.2.self_attn.k_proj";
        new TestCheckpoint().add(p + ".weight", DType.F8_E4M3, shape(out, in), q)
                .add(p + ".weight_scale", DType.BF16, scaleShape, Bytes.bf16s(scale))
                .write(dir, "{\"quantization_config\": {\"quant_method\": \"compressed-tensors\", \"format\": "
                        + "\"float-quantized\", \"version\": \"0.12.2\", \"config_groups\": {\"group_0\": {\"targets\": "
                        + "[\"re:.*_proj$\"], \"weights\": {\"num_bits\": 8, \"type\": \"float\", \"symmetric\": true, "
                        + args + "}}}}}");
        try (QuantizedModel model = QuantizedModel.open(dir)) {
            QuantizedLinear layer = model.layer(p).orElseThrow();
            assertThat(layer.scheme()).isEqualTo(QuantScheme.FP8);
            assertThat(layer.format()).isEqualTo("compressed-tensors float-quantized");
            assertThat(layer.groupSize()).isEqualTo(blockColumns == in ? -1 : blockColumns);
            assertThat(layer.blockRows()).isEqualTo(blockRows);
            check(layer, expected, in);
        }
    }

    @Test
    void modelOptFp8PerTensor() {
        int out = 32;
        int in = 64;
        float[] w = Reference.randomMatrix(2, out, in, 1f);
        float s = Reference.maxAbs(w, 0, w.length) / 448;
        byte[] q = new byte[out * in];
        float[] expected = new float[out * in];
        for (int i = 0; i < w.length; i++) {
            q[i] = (byte) e4m3Code(w[i] / s);
            expected[i] = e4m3(q[i] & 0xFF) * s;
        }
        String p = "model.layers.0.mlp.gate_proj";
        new TestCheckpoint().add(p + ".weight", DType.F8_E4M3, shape(out, in), q).floats(p + ".weight_scale", shape(), s)
                .floats(p + ".input_scale", shape(), 0.5f)
                .write(dir, "{\"quantization_config\": {\"quant_method\": \"modelopt\", \"quant_algo\": \"FP8\", "
                        + "\"ignore\": [\"lm_head\"]}}");
        try (QuantizedModel model = QuantizedModel.open(dir)) {
            QuantizedLinear layer = model.layer(p).orElseThrow();
            assertThat(layer.format()).isEqualTo("modelopt fp8");
            assertThat(layer.tensors()).containsKeys("weight", "weight_scale", "input_scale");
            assertThat(model.denseTensorNames()).isEmpty();
            check(layer, expected, in);
        }
    }

    /** MXFP4 codes and E8M0 scales for a [rows, in] matrix, the OCP scale rule: 2^(⌊log2 amax⌋ − 2). */
    record Mx(byte[] packed, byte[] scales, float[] expected) {
        static Mx of(float[] w, int rows, int in) {
            int groups = in / 32;
            byte[] packed = new byte[rows * in / 2];
            byte[] scales = new byte[rows * groups];
            float[] expected = new float[rows * in];
            for (int r = 0; r < rows; r++) {
                for (int g = 0; g < groups; g++) {
                    float amax = Reference.maxAbs(w, r * in + g * 32, r * in + g * 32 + 32);
                    int e = 127 + Math.getExponent(amax) - 2;
                    scales[r * groups + g] = (byte) e;
                    float s = Reference.e8m0(e);
                    for (int j = 0; j < 32; j++) {
                        int i = r * in + g * 32 + j;
                        int code = e2m1Code(w[i] / s);
                        packed[i / 2] |= (byte) (code << (4 * (j & 1)));   // low nibble first
                        expected[i] = E2M1[code] * s;
                    }
                }
            }
            return new Mx(packed, scales, expected);
        }
    }

    @Test
    void gptOssExpertsTransposedAsTransformersNamesThem() throws Exception {
        int experts = 2;
        int rows = 64;
        int in = 256;
        float[] w = Reference.randomMatrix(5, experts * rows, in, 0.5f);
        Mx mx = Mx.of(w, experts * rows, in);
        String p = "model.layers.0.mlp.experts.gate_up_proj";
        new TestCheckpoint().add(p + "_blocks", DType.U8, shape(experts, rows, in / 32, 16), mx.packed())
                .add(p + "_scales", DType.U8, shape(experts, rows, in / 32), mx.scales())
                .floats(p + "_bias", shape(experts, rows), new float[experts * rows])
                .write(dir, "{\"quantization_config\": {\"quant_method\": \"mxfp4\", \"modules_to_not_convert\": "
                        + "[\"model.layers.*.self_attn\", \"model.layers.*.mlp.router\", \"model.embed_tokens\", "
                        + "\"lm_head\"]}}");
        try (QuantizedModel model = QuantizedModel.open(dir)) {
            QuantizedLinear layer = model.layer(p).orElseThrow();
            assertThat(layer.scheme()).isEqualTo(QuantScheme.MXFP4);
            assertThat(layer.shape().dims()).containsExactly(experts, rows, in);
            assertThat(layer.denseName()).isEqualTo(p);
            assertThat(layer.denseShape().dims()).containsExactly(experts, in, rows);
            assertThat(model.denseTensorNames()).containsExactly(p + "_bias");
            check(layer, mx.expected(), in);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            long[] progress = {0};
            layer.dense(DType.F32, n -> progress[0] += n).writeTo(collect(bytes));
            ByteBuffer dense = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(progress[0]).isEqualTo(4L * experts * rows * in);
            for (int e = 0; e < experts; e++) {
                for (int c = 0; c < in; c++) {
                    for (int r = 0; r < rows; r++) {
                        float got = dense.getFloat(4 * ((e * in + c) * rows + r));
                        if (got != mx.expected()[(e * rows + r) * in + c]) {
                            throw new AssertionError("expert " + e + " [" + c + ", " + r + "]: " + got);
                        }
                    }
                }
            }
        }
    }

    @Test
    void compressedTensorsAndMlxMxfp4() {
        int out = 48;
        int in = 128;
        Mx mx = Mx.of(Reference.randomMatrix(6, out, in, 0.3f), out, in);
        String p = "model.layers.0.mlp.up_proj";
        new TestCheckpoint().add(p + ".weight_packed", DType.U8, shape(out, in / 2), mx.packed())
                .add(p + ".weight_scale", DType.U8, shape(out, in / 32), mx.scales())
                .write(dir.resolve("ct"), "{\"quantization_config\": {\"quant_method\": \"compressed-tensors\", "
                        + "\"format\": \"mxfp4-pack-quantized\", \"config_groups\": {\"g\": {\"targets\": [\"Linear\"], "
                        + "\"weights\": {\"num_bits\": 4, \"type\": \"float\", \"strategy\": \"group\", \"group_size\": 32, "
                        + "\"scale_dtype\": \"torch.uint8\"}}}}}");
        new TestCheckpoint().add(p + ".weight", DType.U32, shape(out, in / 8), mx.packed())
                .add(p + ".scales", DType.U8, shape(out, in / 32), mx.scales())
                .write(dir.resolve("mlx"), "{\"quantization\": {\"group_size\": 32, \"bits\": 4, \"mode\": \"mxfp4\"}}");
        for (String variant : new String[] {"ct", "mlx"}) {
            try (QuantizedModel model = QuantizedModel.open(dir.resolve(variant))) {
                QuantizedLinear layer = model.layer(p).orElseThrow();
                assertThat(layer.scheme()).isEqualTo(QuantScheme.MXFP4);
                assertThat(layer.groupSize()).isEqualTo(32);
                check(layer, mx.expected(), in);
            }
        }
    }

    @Test
    void nvfp4ModelOptAndCompressedTensorsConventions() {
        int out = 32;
        int in = 128;
        float[] w = Reference.randomMatrix(9, out, in, 0.4f);
        float amax = Reference.maxAbs(w, 0, w.length);
        float scale2 = amax / (6 * 448);          // ModelOpt's weight_scale_2
        float global = 448 * 6 / amax;            // compressed-tensors' weight_global_scale
        for (boolean modelopt : new boolean[] {true, false}) {
            byte[] packed = new byte[out * in / 2];
            byte[] blockScales = new byte[out * in / 16];
            float[] expected = new float[out * in];
            for (int r = 0; r < out; r++) {
                for (int b = 0; b < in / 16; b++) {
                    float bmax = Reference.maxAbs(w, r * in + b * 16, r * in + b * 16 + 16);
                    int sc = e4m3Code(modelopt ? bmax / 6 / scale2 : bmax / 6 * global);
                    blockScales[r * (in / 16) + b] = (byte) sc;
                    float effective = modelopt ? e4m3(sc) * scale2 : e4m3(sc) / global;
                    for (int j = 0; j < 16; j++) {
                        int i = r * in + b * 16 + j;
                        int code = e2m1Code(w[i] / effective);
                        packed[i / 2] |= (byte) (code << (4 * (j & 1)));
                        expected[i] = E2M1[code] * effective;
                    }
                }
            }
            String p = "model.layers.1.self_attn.v_proj";
            Path d = dir.resolve(modelopt ? "modelopt" : "ct");
            TestCheckpoint ckpt = new TestCheckpoint().add(p + ".weight_scale", DType.F8_E4M3, shape(out, in / 16),
                    blockScales);
            if (modelopt) {
                ckpt.add(p + ".weight", DType.U8, shape(out, in / 2), packed).floats(p + ".weight_scale_2", shape(), scale2)
                        .floats(p + ".input_scale", shape(), 1f).write(d, null);
                writeHfQuantConfig(d);
            } else {
                ckpt.add(p + ".weight_packed", DType.U8, shape(out, in / 2), packed)
                        .floats(p + ".weight_global_scale", shape(1), global)
                        .write(d, "{\"quantization_config\": {\"quant_method\": \"compressed-tensors\", \"format\": "
                                + "\"nvfp4-pack-quantized\", \"config_groups\": {\"g\": {\"targets\": [\"Linear\"], "
                                + "\"weights\": {\"num_bits\": 4, \"type\": \"float\", \"strategy\": \"tensor_group\", "
                                + "\"group_size\": 16}}}}}");
            }
            try (QuantizedModel model = QuantizedModel.open(d)) {
                QuantizedLinear layer = model.layer(p).orElseThrow();
                assertThat(layer.scheme()).isEqualTo(QuantScheme.NVFP4);
                assertThat(layer.groupSize()).isEqualTo(16);
                assertThat(model.detection().method()).contains(modelopt ? "modelopt" : "compressed-tensors");
                check(layer, expected, in);
            }
        }
    }

    /** An older ModelOpt export: no quantization_config, an hf_quant_config.json beside the weights. */
    private static void writeHfQuantConfig(Path d) {
        try {
            java.nio.file.Files.writeString(d.resolve("hf_quant_config.json"), "{\"producer\": {\"name\": \"modelopt\", "
                    + "\"version\": \"0.29.0\"}, \"quantization\": {\"quant_algo\": \"NVFP4\", \"kv_cache_quant_algo\": "
                    + "null, \"group_size\": 16, \"exclude_modules\": [\"lm_head\", \"model.layers.*.mlp.gate\"]}}");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static ByteSink collect(ByteArrayOutputStream out) {
        return new ByteSink() {
            @Override
            public void write(MemorySegment bytes) {
                out.writeBytes(bytes.toArray(ValueLayout.JAVA_BYTE));
            }
        };
    }
}
