package dev.safetensors.quant;

import static dev.safetensors.quant.TestCheckpoint.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.ShardIndex;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Quantized checkpoints written back dense: names, shapes, shards, config, values, progress, bounded memory. */
class DequantizerTest {
    @TempDir
    Path dir;

    /** A two-shard MLX checkpoint: shard 1 holds layer 0 and the embedding norm, shard 2 layer 1 and the head. */
    private Path shardedMlx() throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        String[] layers = {"model.layers.0.mlp.down_proj", "model.layers.1.mlp.down_proj"};
        for (int s = 0; s < 2; s++) {
            SafeTensorsWriter w = SafeTensorsWriter.create();
            String p = layers[s];
            int[] words = new int[32 * 64 * 4 / 32];
            for (int i = 0; i < words.length; i++) {
                words[i] = 0x76543210 + i * (s + 1);
            }
            float[] scales = new float[32];
            float[] biases = new float[32];
            for (int i = 0; i < 32; i++) {
                scales[i] = Reference.bf16(0.01f * (i + 1));
                biases[i] = Reference.bf16(-0.1f * i);
            }
            w.add(p + ".weight", DType.U32, Shape.of(32, 8), TensorData.of(Bytes.ints(words)));
            w.add(p + ".scales", DType.BF16, Shape.of(32, 1), TensorData.of(Bytes.bf16s(scales)));
            w.add(p + ".biases", DType.BF16, Shape.of(32, 1), TensorData.of(Bytes.bf16s(biases)));
            w.add(s == 0 ? "model.norm.weight" : "lm_head.weight", DType.F16, Shape.of(3),
                    TensorData.of(Bytes.halves(1, 2, 3)));
            w.write(in.resolve("model-0000" + (s + 1) + "-of-00002.safetensors"));
        }
        Files.writeString(in.resolve("model.safetensors.index.json"), "{\"metadata\": {\"total_size\": 1}, "
                + "\"weight_map\": {"
                + "\"model.layers.0.mlp.down_proj.weight\": \"model-00001-of-00002.safetensors\", "
                + "\"model.layers.0.mlp.down_proj.scales\": \"model-00001-of-00002.safetensors\", "
                + "\"model.layers.0.mlp.down_proj.biases\": \"model-00001-of-00002.safetensors\", "
                + "\"model.norm.weight\": \"model-00001-of-00002.safetensors\", "
                + "\"model.layers.1.mlp.down_proj.weight\": \"model-00002-of-00002.safetensors\", "
                + "\"model.layers.1.mlp.down_proj.scales\": \"model-00002-of-00002.safetensors\", "
                + "\"model.layers.1.mlp.down_proj.biases\": \"model-00002-of-00002.safetensors\", "
                + "\"lm_head.weight\": \"model-00002-of-00002.safetensors\"}}");
        Files.writeString(in.resolve("config.json"), "{\"model_type\": \"qwen3\", \"hidden_size\": 64, "
                + "\"rms_norm_eps\": 1e-06, \"quantization\": {\"group_size\": 64, \"bits\": 4}, "
                + "\"quantization_config\": {\"group_size\": 64, \"bits\": 4}, \"torch_dtype\": \"bfloat16\"}");
        return in;
    }

    @Test
    void shardedInShardedOutUnderTheUnquantizedNames() throws Exception {
        Path in = shardedMlx();
        Path out = dir.resolve("out");
        List<String> heard = new ArrayList<>();
        long[] last = {0, 0};
        WriteReport result = Dequantizer.dequantize(in, out, DType.BF16, (done, total, tensor) -> {
            assertThat(done).isGreaterThan(last[0]).isLessThanOrEqualTo(total);
            last[0] = done;
            last[1] = total;
            heard.add(tensor);
        });
        assertThat(last[0]).isEqualTo(last[1]).isEqualTo(result.bytes());
        assertThat(heard).contains("model.layers.0.mlp.down_proj.weight", "lm_head.weight");
        assertThat(result.files()).extracting(p -> p.getFileName().toString()).containsExactly(
                "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json",
                "config.json");
        assertThat(result.tensors()).isEqualTo(4);
        ShardIndex index = ShardIndex.read(out.resolve("model.safetensors.index.json"), 1 << 20);
        assertThat(index.weightMap()).containsExactly(
                Map.entry("lm_head.weight", "model-00002-of-00002.safetensors"),
                Map.entry("model.layers.0.mlp.down_proj.weight", "model-00001-of-00002.safetensors"),
                Map.entry("model.layers.1.mlp.down_proj.weight", "model-00002-of-00002.safetensors"),
                Map.entry("model.norm.weight", "model-00001-of-00002.safetensors"));
        assertThat(index.totalSize()).hasValue(2 * 32 * 64 * 2 + 2 * 3 * 2);
        String config = Files.readString(out.resolve("config.json"), StandardCharsets.UTF_8);
        assertThat(config).contains("\"torch_dtype\": \"bfloat16\"", "\"model_type\": \"qwen3\"")
                .doesNotContain("quantization");
        try (QuantizedModel quantized = QuantizedModel.open(in); QuantizedModel again = QuantizedModel.open(out)) {
            assertThat(again.layers()).isEmpty();
            Checkpoint dense = again.checkpoint();
            for (QuantizedLinear layer : quantized.layers()) {
                Tensor t = dense.tensor(layer.denseName());
                assertThat(t.dtype()).isEqualTo(DType.BF16);
                assertThat(t.shape()).isEqualTo(Shape.of(32, 64));
                float[] expected = layer.dequantize();
                float[] got = t.toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    assertThat(got[i]).isEqualTo(Reference.bf16(expected[i]));
                }
            }
            assertThat(dense.tensor("model.norm.weight").toByteArray()).containsExactly(Bytes.halves(1, 2, 3));
        }
    }

    @Test
    void singleFileToSingleFile() throws Exception {
        String p = "model.layers.0.self_attn.q_proj";
        Path in = new TestCheckpoint().add(p + ".weight", DType.F8_E4M3, shape(2, 2), Bytes.of(0x38, 0x40, 0xC0, 0x44))
                .floats(p + ".weight_scale", shape(2, 1), 0.5f, 2f)
                .write(dir.resolve("fp8"), "{\"quantization_config\": {\"quant_method\": \"compressed-tensors\", "
                        + "\"format\": \"float-quantized\", \"config_groups\": {\"g\": {\"targets\": [\"Linear\"], "
                        + "\"weights\": {\"num_bits\": 8, \"type\": \"float\", \"strategy\": \"channel\"}}}}}");
        Path out = dir.resolve("dense.safetensors");
        Dequantizer.dequantize(in.resolve("model.safetensors"), out, DType.F32, Progress.NONE);
        try (SafeTensorsFile f = SafeTensorsFile.open(out)) {
            assertThat(f.names()).containsExactly(p + ".weight");
            assertThat(f.tensor(p + ".weight").toFloatArray()).containsExactly(0.5f, 1f, -4f, 6f);
            assertThat(f.metadata()).contains(Map.of("format", "pt"));
        }
        assertThat(Files.exists(dir.resolve("config.json"))).isFalse();
    }

    @Test
    void refusesAFileOutputForShardsAndOtherDtypes() throws Exception {
        Path in = shardedMlx();
        assertThatThrownBy(() -> Dequantizer.dequantize(in, dir.resolve("x.safetensors"), DType.BF16,
                Progress.NONE)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sharded");
        assertThatThrownBy(() -> Dequantizer.dequantize(in, dir.resolve("o"), DType.F8_E4M3, Progress.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("F32, BF16 or F16");
    }
}
