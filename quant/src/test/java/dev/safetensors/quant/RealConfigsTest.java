package dev.safetensors.quant;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real quantized configs and indexes in {@code src/test/resources/fixtures} (their MANIFEST.tsv rows name
 * the source repository, commit and checksum): detected from config and index alone, since the weights are
 * absent. Expected values come from the manifest and the files' own contents as published.
 */
class RealConfigsTest {
    @TempDir
    static Path dir;

    static Map<String, String> sha256;

    @BeforeAll
    static void readManifest() throws IOException {
        List<String> rows = lines("MANIFEST.tsv");
        sha256 = rows.stream().skip(1).map(r -> r.split("\t")).collect(Collectors.toMap(c -> c[0], c -> c[5]));
        assertThat(sha256).hasSize(6);
    }

    /** Copies fixtures under their usual names into a checkpoint directory, checking each against the manifest. */
    static Path checkpoint(String name, String... localNames) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        for (String local : localNames) {
            byte[] bytes = bytes(local);
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
                    .as(local).isEqualTo(sha256.get(local));
            Files.write(d.resolve(local.substring(local.lastIndexOf("__") + 2)), bytes);
        }
        return d;
    }

    @Test
    void genz70bGptqThreeBitActOrderFromItsConfigs() throws Exception {
        Path both = checkpoint("genz", "itdevwu__Genz-70b-GPTQ__config.json", "itdevwu__Genz-70b-GPTQ__quantize_config.json");
        Path only = checkpoint("genz-quantize-config-only", "itdevwu__Genz-70b-GPTQ__quantize_config.json");
        for (Path d : List.of(both, only)) {
            Detection detection = QuantizedModel.detect(d);
            assertThat(detection.method()).contains("gptq");
            assertThat(detection.summary()).isEqualTo("gptq v1, 3-bit, per channel, act-order, symmetric");
            assertThat(detection.layers()).isEmpty();
            assertThat(detection.notes()).singleElement().asString().contains("no tensors");
            assertThat(detection.isQuantized()).isTrue();
        }
        assertThat(QuantizedModel.detect(both).config().orElseThrow()).endsWith("config.json");
        assertThat(QuantizedModel.detect(only).config().orElseThrow()).endsWith("quantize_config.json");
    }

    @Test
    void molmoNf4FromItsIndex() throws Exception {
        Path d = checkpoint("molmo", "reubzdubz__Molmo7B_D_NF4Quant__config.json",
                "reubzdubz__Molmo7B_D_NF4Quant__model.safetensors.index.json");
        Detection detection = QuantizedModel.detect(d);
        assertThat(detection.method()).contains("bitsandbytes");
        assertThat(detection.summary()).isEqualTo("bitsandbytes nf4");
        assertThat(detection.ignore()).containsExactly("model.vision_backbone", "model.transformer.ff_out",
                "model.transformer.ln_f");
        // 28 blocks × att_proj, attn_out, ff_proj, ff_out, each with weight, absmax, quant_map and quant_state.
        assertThat(detection.layers()).hasSize(112);
        assertThat(detection.schemes()).containsExactly(QuantScheme.BNB_NF4);
        LayerPlan first = detection.layers().get(0);
        assertThat(first.name()).isEqualTo("model.transformer.blocks.0.att_proj");
        assertThat(first.tensors()).containsOnlyKeys("weight", "absmax", "quant_map", "quant_state");
        assertThat(first.tensors().get("quant_state"))
                .isEqualTo("model.transformer.blocks.0.att_proj.weight.quant_state.bitsandbytes__nf4");
        assertThat(first.shape()).isEmpty();
        assertThat(detection.layers()).noneMatch(l -> l.name().startsWith("model.vision_backbone"));
        assertThat(detection.notes()).singleElement().asString().contains("absent shard", "model-00001-of-00002");
    }

    @Test
    void qwen3Mlx4BitFromItsIndex() throws Exception {
        Path d = checkpoint("qwen3", "root-hypercube__qwen3-mlx__Qwen3-14B-MLX-4bit__config.json",
                "root-hypercube__qwen3-mlx__Qwen3-14B-MLX-4bit__model.safetensors.index.json");
        Detection detection = QuantizedModel.detect(d);
        assertThat(detection.method()).contains("mlx");
        assertThat(detection.summary()).isEqualTo("mlx affine, 4-bit, group 64");
        // 40 layers × 7 projections, the embedding and the head: every weight/scales/biases triplet.
        assertThat(detection.layers()).hasSize(282);
        assertThat(detection.layers()).allSatisfy(l -> {
            assertThat(l.scheme()).isEqualTo(QuantScheme.MLX_AFFINE);
            assertThat(l.bits()).isEqualTo(4);
            assertThat(l.groupSize()).isEqualTo(64);
            assertThat(l.tensors()).containsOnlyKeys("weight", "scales", "biases");
        });
        assertThat(detection.layers()).extracting(LayerPlan::name).contains("lm_head", "model.embed_tokens",
                "model.layers.39.mlp.down_proj");
    }

    private static byte[] bytes(String local) throws IOException {
        try (InputStream in = RealConfigsTest.class.getResourceAsStream("/fixtures/" + local)) {
            assertThat(in).as(local).isNotNull();
            return in.readAllBytes();
        }
    }

    private static List<String> lines(String local) throws IOException {
        return new String(bytes(local), StandardCharsets.UTF_8).lines().toList();
    }
}
