package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.SafeTensorsException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Numbered shards must form complete sets, with or without an index, or opening names what is missing. */
class NumberedShardsTest {
    @TempDir
    Path dir;

    private void shard(int number, int count, String tensor) {
        SafeTensorsWriter.create().add(tensor, DType.U8, Shape.of(1), TensorData.of(new byte[] {(byte) number}))
                .write(dir.resolve(String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", number, count)));
    }

    private void expectRejected(Kind kind, String... fragments) {
        assertThatThrownBy(() -> Checkpoint.open(dir).close()).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
            assertThat(e.kind()).isEqualTo(kind);
            for (String f : fragments) {
                assertThat(e.getMessage()).contains(f);
            }
        });
    }

    @Test
    void aDirectoryWithoutIndexMissingAShardIsRefused() {
        for (int i = 1; i <= 4; i++) {
            if (i != 3) {
                shard(i, 4, "t" + i);
            }
        }
        expectRejected(Kind.IoError, "shard 3 of 4 of `model`", "model-00003-of-00004.safetensors", "missing");
        shard(3, 4, "t3");
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertThat(ckpt.sortedNames()).containsExactly("t1", "t2", "t3", "t4");
        }
    }

    @Test
    void manyMissingShardsAreCountedAndTheFirstNamed() {
        shard(2, 256, "t2");
        shard(200, 256, "t200");
        expectRejected(Kind.IoError, "254 of the 256 shards of `model`", "model-00001-of-00256.safetensors",
                "model-00003-of-00256.safetensors", "...");
    }

    @Test
    void shardsOfTwoSavesAreRefused() {
        shard(1, 2, "a");
        shard(2, 2, "b");
        shard(1, 3, "c");
        expectRejected(Kind.InvalidHeaderDeserialization, "disagree on their count", "2 and 3");
    }

    @Test
    void anIndexMissingAShardOfTwoCountsIsRefused() throws IOException {
        // Two counts in one index: before, only an index with a single count was checked.
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00003.safetensors"}}""");
        expectRejected(Kind.InvalidHeaderDeserialization, "disagree on their count");
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"weight_map": {"a": "model-00001-of-99999.safetensors"}}""");
        expectRejected(Kind.InvalidHeaderDeserialization, "no tensor is mapped to 99998 of the 99999 shards of `model`");
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-000001-of-000002.safetensors"}}""");
        expectRejected(Kind.InvalidHeaderDeserialization, "two files are shard 1 of 2");
    }

    @Test
    void otherFilesBesideACompleteSetStillMerge() {
        shard(1, 2, "a");
        shard(2, 2, "b");
        SafeTensorsWriter.create().add("c", DType.U8, Shape.of(1), TensorData.of(new byte[1])).write(dir.resolve("extra.safetensors"));
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertThat(ckpt.sortedNames()).containsExactly("a", "b", "c");
        }
    }
}
