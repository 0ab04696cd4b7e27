package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every JSON value of an index survives reading and writing: numbers as spelled, objects, arrays. */
class IndexMetadataTest {
    @TempDir
    Path dir;

    private static final String S1 = "model-00001-of-00002.safetensors";
    private static final String S2 = "model-00002-of-00002.safetensors";

    private static final String RICH = """
            {"metadata": {"total_size": 8, "quant": {"bits": 4, "group": [1, 2]}, "scale": 1e20, "eps": 1.0E-5,
              "big": 123456789012345678901234567890, "tenth": 0.10, "flag": true, "none": null, "name": "\u00e9"},
             "weight_map": {"b": "model-00002-of-00002.safetensors", "a": "model-00001-of-00002.safetensors"},
             "format": {"writer": "x", "v": [2, 0]}}""";

    /** As json.dumps(indent=2, sort_keys=True) lays it out (CPython), with every number spelled as in the file. */
    private static final String RICH_WRITTEN = """
            {
              "format": {
                "v": [
                  2,
                  0
                ],
                "writer": "x"
              },
              "metadata": {
                "big": 123456789012345678901234567890,
                "eps": 1.0E-5,
                "flag": true,
                "name": "\\u00e9",
                "none": null,
                "quant": {
                  "bits": 4,
                  "group": [
                    1,
                    2
                  ]
                },
                "scale": 1e20,
                "tenth": 0.10,
                "total_size": 8
              },
              "weight_map": {
                "a": "model-00001-of-00002.safetensors",
                "b": "model-00002-of-00002.safetensors"
              }
            }
            """;

    @Test
    void everyValueIsWrittenBackExactly() {
        ShardIndex index = ShardIndex.parse(RICH.getBytes(StandardCharsets.UTF_8), "rich.json");
        assertThat(index.toJson()).isEqualTo(RICH_WRITTEN);
        // Written back and read again: the same text.
        assertThat(ShardIndex.parse(index.toJson().getBytes(StandardCharsets.UTF_8), "again").toJson()).isEqualTo(RICH_WRITTEN);
    }

    @Test
    void metadataReadsAsPlainValues() {
        ShardIndex index = ShardIndex.parse(RICH.getBytes(StandardCharsets.UTF_8), "rich.json");
        assertThat(index.metadata().get("quant")).isEqualTo(Map.of("bits", 4L, "group", List.of(1L, 2L)));
        assertThat(index.metadata().get("scale")).isEqualTo(1e20);
        assertThat(index.metadata().get("tenth")).isEqualTo(0.1);
        assertThat(index.metadata().get("big")).isEqualTo(new java.math.BigInteger("123456789012345678901234567890"));
        assertThat(index.totalSize()).hasValue(8);
    }

    /** The string view of a checkpoint's metadata gives JSON text, not Java's toString of a map. */
    @Test
    void checkpointMetadataIsJsonText() throws IOException {
        SafeTensorsWriter.create().add("a", DType.U8, Shape.of(4), TensorData.of(new byte[4])).write(dir.resolve(S1));
        SafeTensorsWriter.create().add("b", DType.U8, Shape.of(4), TensorData.of(new byte[4])).write(dir.resolve(S2));
        Files.writeString(dir.resolve("model.safetensors.index.json"), RICH);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            Map<String, String> m = ckpt.metadata().orElseThrow();
            assertThat(m.get("quant")).isEqualTo("{\"bits\": 4, \"group\": [1, 2]}");
            assertThat(m.get("scale")).isEqualTo("1e20");
            assertThat(m.get("name")).isEqualTo("é");
            assertThat(m.get("none")).isEqualTo("null");
            assertThat(m.get("total_size")).isEqualTo("8");
        }
    }

    @Test
    void writersGiveJavaValues() {
        Map<String, Object> md = new LinkedHashMap<>();
        md.put("total_size", 8);                       // an Integer is an integer too
        md.put("scale", 1e20);
        md.put("eps", 1e-5);
        md.put("nested", Map.of("k", List.of(1.5, "s")));
        ShardIndex index = ShardIndex.of(md, Map.of("a", S1, "b", S2));
        assertThat(index.totalSize()).hasValue(8);
        // Doubles as Python's json.dumps writes them (CPython: 1e+20, 1e-05).
        assertThat(index.toJson()).contains("\"scale\": 1e+20,").contains("\"eps\": 1e-05,")
                .contains("\"k\": [\n        1.5,\n        \"s\"\n      ]");
        assertThatThrownBy(() -> ShardIndex.of(Map.of("x", Double.NaN), Map.of("a", S1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ShardIndex.of(Map.of("x", new Object()), Map.of("a", S1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** transformers wrote these (json.dumps(indent=2, sort_keys=True) + "\n"): reading and writing gives the same bytes. */
    @ParameterizedTest
    @ValueSource(strings = {"fetchwiki__mistralai-Devstral-Small-2507__model.safetensors.index.json",
            "reubzdubz__Molmo7B_D_NF4Quant__model.safetensors.index.json",
            "tbressers__WizardLM-2-8x22B__model.safetensors.index.json"})
    void realIndexesRoundTripByteForByte(String file) throws IOException {
        byte[] bytes = Files.readAllBytes(TestFiles.fixture(file));
        assertThat(ShardIndex.parse(bytes, file).toJson()).isEqualTo(new String(bytes, StandardCharsets.UTF_8));
    }
}
