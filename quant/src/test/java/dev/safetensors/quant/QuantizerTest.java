package dev.safetensors.quant;

import static dev.safetensors.quant.Reference.bf16;
import static dev.safetensors.quant.TestCheckpoint.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The writer: each scheme's tensors and config.json in compressed-tensors' layout, codes and scales equal to
 * the scheme's rule applied here, and the checkpoint read back by our own dequantization within the scheme's
 * rounding error (the figures printed are the ones recorded in quant/README.md).
 */
class QuantizerTest {
    static final int OUT = 256;
    static final int IN = 512;

    @TempDir
    Path dir;

    /** A small dense model: two projections (one BF16, one F32), a head, an embedding, a norm. */
    private Path dense() throws Exception {
        float[] q = Reference.randomMatrix(1, OUT, IN, 0.02f);
        float[] bf = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            bf[i] = bf16(q[i]);
        }
        return new TestCheckpoint()
                .add("model.layers.0.self_attn.q_proj.weight", DType.BF16, shape(OUT, IN), Bytes.bf16s(bf))
                .floats("model.layers.0.mlp.down_proj.weight", shape(OUT, IN), Reference.randomMatrix(2, OUT, IN, 1f))
                .floats("model.layers.0.mlp.odd_proj.weight", shape(8, 40), Reference.randomMatrix(3, 8, 40, 1f))
                .floats("lm_head.weight", shape(64, IN), Reference.randomMatrix(4, 64, IN, 1f))
                .floats("model.embed_tokens.weight", shape(64, IN), Reference.randomMatrix(5, 64, IN, 1f))
                .floats("model.norm.weight", shape(IN), new float[IN])
                .write(dir.resolve("dense"), "{\"model_type\": \"llama\", \"hidden_size\": 512, \"torch_dtype\": "
                        + "\"bfloat16\"}");
    }

    @ParameterizedTest
    @EnumSource(Quantizer.Scheme.class)
    void writesCompressedTensorsAndReadsBackWithinTheRoundingError(Quantizer.Scheme scheme) throws Exception {
        Path in = dense();
        Path out = dir.resolve(scheme.cliName());
        long[] heard = {0, 0};
        WriteReport report = Quantizer.quantize(in, out, scheme, Quantizer.DEFAULT_IGNORE, (done, total, t) -> {
            heard[0] = done;
            heard[1] = total;
        });
        assertThat(heard[0]).isEqualTo(heard[1]).isEqualTo(report.bytes());
        String config = Files.readString(out.resolve("config.json"), StandardCharsets.UTF_8);
        assertThat(config).contains("\"quant_method\": \"compressed-tensors\"", "\"model_type\": \"llama\"",
                "\"quantization_status\": \"compressed\"", "\"lm_head\"", "\"model.embed_tokens\"");
        boolean oddFits = scheme == Quantizer.Scheme.FP8 || scheme == Quantizer.Scheme.FP8_BLOCK;
        assertThat(report.notes()).hasSize(oddFits ? 0 : 1);
        try (QuantizedModel model = QuantizedModel.open(out); SafeTensorsFile original = SafeTensorsFile.open(
                in.resolve("model.safetensors"))) {
            Detection d = model.detection();
            assertThat(d.method()).contains("compressed-tensors");
            assertThat(d.ignore()).contains("lm_head", "model.embed_tokens");
            assertThat(model.layers()).extracting(QuantizedLinear::name).contains("model.layers.0.self_attn.q_proj",
                    "model.layers.0.mlp.down_proj").doesNotContain("lm_head", "model.embed_tokens");
            assertThat(model.denseTensorNames()).contains("lm_head.weight", "model.embed_tokens.weight",
                    "model.norm.weight");
            for (String layer : List.of("model.layers.0.self_attn.q_proj", "model.layers.0.mlp.down_proj")) {
                QuantizedLinear l = model.layer(layer).orElseThrow();
                assertThat(l.scheme()).isEqualTo(switch (scheme) {
                    case FP8, FP8_BLOCK -> QuantScheme.FP8;
                    case MXFP4 -> QuantScheme.MXFP4;
                    case NVFP4 -> QuantScheme.NVFP4;
                    case INT4 -> QuantScheme.INT;
                });
                Error e = Error.of(original.tensor(layer + ".weight").toFloatArray(), l.dequantize(), IN, l.groupSize());
                System.out.printf(Locale.ROOT, "%s %s: relative RMS error %.4f, max error / group amax %.4f%n",
                        scheme.cliName(), layer, e.relativeRms(), e.maxOverAmax());
                assertThat(e.maxOverAmax()).isLessThanOrEqualTo(bound(scheme));
            }
        }
    }

    /** Worst error relative to its group's largest magnitude: half a step at the top of each format's range. */
    private static double bound(Quantizer.Scheme scheme) {
        return switch (scheme) {
            case FP8, FP8_BLOCK -> 1.0 / 16 + 1e-3;       // 3 mantissa bits: half an ulp at 448 is 16 of 448
            // Half a step of amax / 7.5, and the clamp at 7 when the BF16-rounded scale lies up to 2^-8 below it.
            case INT4 -> (0.5 + 7 * 0x1p-8) / 7.5 + 1e-4;
            case NVFP4 -> 1.0 / 6 * 1.07 + 1e-3;         // half the step between 4 and 6, E4M3-rounded scale
            case MXFP4 -> 2.0 / 6;                        // saturation: amax / scale may reach 8 where FP4 stops at 6
        };
    }

    record Error(double relativeRms, double maxOverAmax) {
        static Error of(float[] original, float[] got, int in, int groupSize) {
            int g = groupSize < 0 ? in : groupSize;
            double se = 0;
            double sx = 0;
            double worst = 0;
            for (int start = 0; start < original.length; start += g) {
                float amax = Reference.maxAbs(original, start, start + g);
                for (int i = start; i < start + g; i++) {
                    double d = got[i] - original[i];
                    se += d * d;
                    sx += (double) original[i] * original[i];
                    worst = Math.max(worst, amax == 0 ? 0 : Math.abs(d) / amax);
                }
            }
            return new Error(Math.sqrt(se / sx), worst);
        }
    }

    /** INT4: scales bf16(amax / 7.5) in the weight's dtype, codes clamp(rint(x / s), −8, 7) + 8, checked here. */
    @Test
    void int4CodesAndScalesFollowTheRule() throws Exception {
        Path out = dir.resolve("int4");
        Quantizer.quantize(dense(), out, Quantizer.Scheme.INT4, Quantizer.DEFAULT_IGNORE, Progress.NONE);
        try (QuantizedModel model = QuantizedModel.open(out); SafeTensorsFile original = SafeTensorsFile.open(
                dir.resolve("dense/model.safetensors"))) {
            String layer = "model.layers.0.self_attn.q_proj";
            Tensor scale = model.checkpoint().tensor(layer + ".weight_scale");
            assertThat(scale.dtype()).isEqualTo(DType.BF16);
            assertThat(scale.shape().dims()).containsExactly(OUT, IN / 128);
            assertThat(model.checkpoint().tensor(layer + ".weight_packed").shape().dims()).containsExactly(OUT, IN / 8);
            assertThat(model.checkpoint().tensor(layer + ".weight_shape").toLongArray()).containsExactly(OUT, IN);
            float[] w = original.tensor(layer + ".weight").toFloatArray();
            UnpackedWeights u = model.layer(layer).orElseThrow().unpack(0, OUT);
            for (int r = 0; r < OUT; r++) {
                for (int g = 0; g < IN / 128; g++) {
                    float s = bf16(Reference.maxAbs(w, r * IN + g * 128, r * IN + g * 128 + 128) / 7.5f);
                    assertThat(u.scales()[r * (IN / 128) + g]).isEqualTo(s);
                    for (int c = g * 128; c < g * 128 + 128; c++) {
                        int q = (int) Math.max(-8, Math.min(7, Math.rint(w[r * IN + c] / s)));
                        if ((u.codes()[r * IN + c] & 0xFF) != q + 8) {
                            throw new AssertionError("code [" + r + ", " + c + "]");
                        }
                    }
                }
            }
        }
    }

    /** quant/README.md#layouts-read scale rules: amax 12 → E8M0 0x80, amax 5 → 0x7F; global 448 × 6 / 12 = 224. */
    @Test
    void mxAndNvScaleRules() throws Exception {
        float[] w = new float[64 * 32];
        for (int r = 0; r < 64; r++) {
            w[r * 32] = r % 2 == 0 ? 12f : 5f;
        }
        w[1] = -12f;
        Path in = new TestCheckpoint().floats("a.weight", shape(64, 32), w).write(dir.resolve("rules"), null);
        Quantizer.quantize(in, dir.resolve("mx"), Quantizer.Scheme.MXFP4, List.of(), Progress.NONE);
        Quantizer.quantize(in, dir.resolve("nv"), Quantizer.Scheme.NVFP4, List.of(), Progress.NONE);
        try (SafeTensorsFile mx = SafeTensorsFile.open(dir.resolve("mx/model.safetensors"));
             SafeTensorsFile nv = SafeTensorsFile.open(dir.resolve("nv/model.safetensors"))) {
            byte[] scales = mx.tensor("a.weight_scale").toByteArray();
            assertThat(scales[0] & 0xFF).isEqualTo(0x80);
            assertThat(scales[1] & 0xFF).isEqualTo(0x7F);
            assertThat(nv.tensor("a.weight_global_scale").toFloatArray()).containsExactly(224f);
            assertThat(nv.tensor("a.weight_scale").dtype()).isEqualTo(DType.F8_E4M3);
            // Block 0 of row 0: amax 12 → 12 / 6 × 224 = 448 → E4M3 0x7E; codes 12 / (448 / 224) = 6 → 0x7.
            assertThat(nv.tensor("a.weight_scale").toByteArray()[0] & 0xFF).isEqualTo(0x7E);
            assertThat(nv.tensor("a.weight_packed").toByteArray()[0] & 0xFF).isEqualTo(0xF7);
        }
    }

    @Test
    void refusesQuantizedInputAndFileOutputs() throws Exception {
        Path in = dense();
        Path once = dir.resolve("once");
        Quantizer.quantize(in, once, Quantizer.Scheme.FP8, Quantizer.DEFAULT_IGNORE, Progress.NONE);
        assertThatThrownBy(() -> Quantizer.quantize(once, dir.resolve("twice"), Quantizer.Scheme.INT4,
                Quantizer.DEFAULT_IGNORE, Progress.NONE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already quantized");
        assertThatThrownBy(() -> Quantizer.quantize(in, dir.resolve("x.safetensors"), Quantizer.Scheme.INT4,
                Quantizer.DEFAULT_IGNORE, Progress.NONE)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Quantizer.Scheme.fromCliName("fp8-block")).isEqualTo(Quantizer.Scheme.FP8_BLOCK);
        assertThatThrownBy(() -> Quantizer.Scheme.fromCliName("int3")).hasMessageContaining("fp8, fp8-block");
    }
}
