package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ShardedWriter#newShard()}: a given layout kept, as a shard-by-shard conversion needs. */
class ShardedWriterLayoutTest {
    @TempDir
    Path dir;

    private static TensorData bytes(int n) {
        return TensorData.of(new byte[n]);
    }

    @Test
    void newShardKeepsTheGivenBoundariesAndNeverMakesAnEmptyShard() {
        ShardedWriter w = ShardedWriter.create(Long.MAX_VALUE)
                .newShard()                                  // nothing yet: no empty shard
                .add("a", DType.U8, Shape.of(3), bytes(3))
                .add("b", DType.U8, Shape.of(1), bytes(1))
                .newShard()
                .newShard()                                  // twice: still one boundary
                .add("c", DType.U8, Shape.of(2), bytes(2));
        ShardIndex index = w.write(dir, "model").orElseThrow();
        assertThat(index.weightMap()).isEqualTo(Map.of("a", "model-00001-of-00002.safetensors",
                "b", "model-00001-of-00002.safetensors", "c", "model-00002-of-00002.safetensors"));
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertThat(ckpt.sortedNames()).containsExactly("a", "b", "c");
        }
    }

    @Test
    void theSizeLimitStillSplitsWithinAGivenShard() {
        ShardIndex index = ShardedWriter.create(4)
                .add("a", DType.U8, Shape.of(3), bytes(3))
                .add("b", DType.U8, Shape.of(3), bytes(3))
                .newShard()
                .add("c", DType.U8, Shape.of(1), bytes(1))
                .write(dir, "model").orElseThrow();
        assertThat(index.shards()).hasSize(3);
        assertThat(index.shardOf("c")).isEqualTo("model-00003-of-00003.safetensors");
    }
}
