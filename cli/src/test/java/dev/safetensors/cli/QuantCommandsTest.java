package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quantize}, {@code dequantize} and {@code inspect}'s quantization report, run in-process. */
class QuantCommandsTest {
    @TempDir
    Path dir;

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * 0.02f;
        }
        return v;
    }

    /** 2 × [256, 256] projections, a [64, 256] head, a [256] norm: 131,072 + 16,384 + 256 parameters. */
    private Path dense() throws Exception {
        Path in = Files.createDirectories(dir.resolve("dense"));
        SafeTensorsWriter.create()
                .add("model.layers.0.self_attn.q_proj.weight", DType.F32, Shape.of(256, 256), TensorData.of(random(65536, 1)))
                .add("model.layers.0.mlp.up_proj.weight", DType.F32, Shape.of(256, 256), TensorData.of(random(65536, 2)))
                .add("lm_head.weight", DType.F32, Shape.of(64, 256), TensorData.of(random(16384, 3)))
                .add("model.norm.weight", DType.F32, Shape.of(256), TensorData.of(new float[256]))
                .write(in.resolve("model.safetensors"));
        Files.writeString(in.resolve("config.json"), "{\"model_type\": \"llama\"}");
        return in;
    }

    @Test
    void quantizeInspectDequantize() throws Exception {
        Path in = dense();
        Path q = dir.resolve("int4");
        Cli quantize = Cli.run("quantize", in.toString(), q.toString(), "--scheme", "int4");
        assertThat(quantize.exitCode()).as(quantize.err()).isZero();
        assertThat(quantize.out()).contains("int4", "config.json");

        Cli inspect = Cli.run("inspect", q.resolve("model.safetensors").toString());
        assertThat(inspect.exitCode()).as(inspect.err()).isZero();
        assertThat(inspect.out()).contains("quantization: compressed-tensors pack-quantized", "(config.json)",
                "not quantized: lm_head")
                .containsPattern("model.layers.0.self_attn.q_proj +INT +compressed-tensors pack-quantized +4 +128 +"
                        + "\\[256, 256\\]")
                .contains("2 quantized layers; logical parameters 147,712");
        Cli inspectDir = Cli.run("inspect", q.toString());
        assertThat(inspectDir.out()).contains("2 quantized layers; logical parameters 147,712");
        assertThat(Cli.run("inspect", in.resolve("model.safetensors").toString()).out()).doesNotContain("quantization");

        Path back = dir.resolve("back");
        Cli dequantize = Cli.run("dequantize", q.toString(), back.toString(), "--dtype", "F32");
        assertThat(dequantize.exitCode()).as(dequantize.err()).isZero();
        try (SafeTensorsFile original = SafeTensorsFile.open(in.resolve("model.safetensors"));
             SafeTensorsFile restored = SafeTensorsFile.open(back.resolve("model.safetensors"))) {
            assertThat(restored.sortedNames()).isEqualTo(original.sortedNames());
            float[] a = original.tensor("model.layers.0.mlp.up_proj.weight").toFloatArray();
            float[] b = restored.tensor("model.layers.0.mlp.up_proj.weight").toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertThat(Math.abs(a[i] - b[i])).isLessThan(0.02f);
            }
            assertThat(restored.tensor("lm_head.weight").toByteArray())
                    .isEqualTo(original.tensor("lm_head.weight").toByteArray());
        }
        assertThat(Files.readString(back.resolve("config.json"))).contains("\"torch_dtype\": \"float32\"")
                .doesNotContain("quantization_config");
    }

    @Test
    void indexWithoutItsShardsIsReportedFromNames() throws Exception {
        Path d = Files.createDirectories(dir.resolve("mlx"));
        Files.writeString(d.resolve("config.json"), "{\"quantization\": {\"group_size\": 64, \"bits\": 4}}");
        Files.writeString(d.resolve("model.safetensors.index.json"), "{\"metadata\": {\"total_size\": 1}, "
                + "\"weight_map\": {\"a.weight\": \"model-00001-of-00001.safetensors\", \"a.scales\": "
                + "\"model-00001-of-00001.safetensors\", \"a.biases\": \"model-00001-of-00001.safetensors\"}}");
        Cli r = Cli.run("inspect", d.toString());
        assertThat(r.exitCode()).as("the shards are absent").isEqualTo(1);
        assertThat(r.err()).contains("model-00001-of-00001.safetensors");
        assertThat(r.out()).contains("quantization: mlx affine, 4-bit, group 64").containsPattern("a +MLX_AFFINE +mlx affine +4 +64 +\\?")
                .contains("1 quantized layers", "note: layers found by name");
    }

    @Test
    void usageErrors() throws Exception {
        Path in = dense();
        Cli badScheme = Cli.run("quantize", in.toString(), dir.resolve("x").toString(), "--scheme", "int3");
        assertThat(badScheme.exitCode()).isEqualTo(2);
        assertThat(badScheme.err()).contains("unknown scheme `int3`");
        Cli badDtype = Cli.run("dequantize", in.toString(), dir.resolve("y").toString(), "--dtype", "I8");
        assertThat(badDtype.exitCode()).isEqualTo(2);
        assertThat(badDtype.err()).contains("BF16, F16 or F32");
        Cli broken = Cli.run("dequantize", dir.resolve("missing").toString(), dir.resolve("z").toString());
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.err()).startsWith("safetensors: ");
    }
}
