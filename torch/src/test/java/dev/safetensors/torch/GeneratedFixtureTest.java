package dev.safetensors.torch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture written by real PyTorch 1.13 (src/test/python/make_fixtures.py): every tensor's name, dtype,
 * shape and bytes as torch.load and .contiguous() give them. Covers every dtype, views with offsets and
 * strides, shared storages, parameters and buffers, protocols 2 and 4, the legacy format, nested dicts,
 * an optimizer state, the shards of a multi-file checkpoint, a big-endian archive and torch 2.x layouts.
 */
class GeneratedFixtureTest {
    static Stream<String> files() {
        return Expected.byFile("generated/expected.tsv").keySet().stream().filter(f -> !f.startsWith("sharded/"));
    }

    @ParameterizedTest
    @MethodSource("files")
    void tensorsAreWhatTorchLoads(String file) {
        List<Expected> expected = Expected.byFile("generated/expected.tsv").get(file);
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.generated(file))) {
            assertThat(ckpt.names()).containsExactlyInAnyOrderElementsOf(expected.stream().map(Expected::tensor).toList());
            for (Expected e : expected) {
                TorchTensor t = ckpt.tensor(e.tensor());
                assertThat(t.dtype().name()).as(e.tensor()).isEqualTo(e.dtype());
                assertThat(t.shape().toString()).as(e.tensor()).isEqualTo(e.shapeText());
                assertThat(Fixtures.sha256(t.toByteArray())).as(file + " " + e.tensor()).isEqualTo(e.sha256());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("shardFiles")
    void eachShardAlone(String file) {
        tensorsAreWhatTorchLoads(file);
    }

    static Stream<String> shardFiles() {
        return Expected.byFile("generated/expected.tsv").keySet().stream().filter(f -> f.startsWith("sharded/"));
    }

    static Map<String, List<Expected>> all() {
        return Expected.byFile("generated/expected.tsv");
    }
}
