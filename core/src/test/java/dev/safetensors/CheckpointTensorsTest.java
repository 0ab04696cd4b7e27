package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code Checkpoint.tensors()}: file order for a single file, shard order then file order for sharded ones. */
class CheckpointTensorsTest {
    @TempDir
    Path dir;

    private static void shard(Path file, String... names) {
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (String name : names) {
            w.add(name, DType.F32, Shape.of(1), TensorData.of(new float[] {name.hashCode()}));
        }
        w.write(file);
    }

    private static List<String> names(List<Tensor> tensors) {
        return tensors.stream().map(Tensor::name).toList();
    }

    @Test
    void aSingleFileIteratesInHeaderOrder() {
        Path f = dir.resolve("one.safetensors");
        SafeTensorsWriter.create()
                .add("z", DType.F32, Shape.of(1), TensorData.of(new float[] {1}))
                .add("a", DType.F64, Shape.of(1), TensorData.of(new double[] {2}))      // wider dtypes come first
                .add("m", DType.U8, Shape.of(1), TensorData.of(new byte[] {3}))
                .write(f);
        try (Checkpoint c = Checkpoint.open(f)) {
            assertThat(names(c.tensors())).containsExactly("a", "z", "m").isEqualTo(c.names());
            assertThat(c.tensors().get(2).toByteArray()).containsExactly(3);
        }
    }

    @Test
    void anIndexedCheckpointIteratesShardByShardWhateverTheIndexOrder() throws IOException {
        Path d = Files.createDirectory(dir.resolve("indexed"));
        shard(d.resolve("model-00001-of-00003.safetensors"), "w.b", "w.y");
        shard(d.resolve("model-00002-of-00003.safetensors"), "w.a", "w.z", "w.c");
        shard(d.resolve("model-00003-of-00003.safetensors"), "w.x");
        Files.writeString(d.resolve("model.safetensors.index.json"), """
                {"metadata": {"total_size": 24}, "weight_map": {
                  "w.a": "model-00002-of-00003.safetensors", "w.b": "model-00001-of-00003.safetensors",
                  "w.c": "model-00002-of-00003.safetensors", "w.x": "model-00003-of-00003.safetensors",
                  "w.y": "model-00001-of-00003.safetensors", "w.z": "model-00002-of-00003.safetensors"}}
                """);
        try (Checkpoint c = Checkpoint.open(d)) {
            List<Tensor> tensors = c.tensors();
            assertThat(names(tensors)).containsExactly("w.b", "w.y", "w.a", "w.c", "w.z", "w.x");
            assertThat(tensors).hasSize(6);
            assertThat(tensors.get(3).toFloatArray()).containsExactly((float) "w.c".hashCode());
            assertThat(names(List.copyOf(tensors))).isEqualTo(names(tensors));      // iteration and get agree
        }
    }

    @Test
    void aDirectoryOfFilesIteratesInFileNameOrderAndSkipsEmptyShards() throws IOException {
        Path d = Files.createDirectory(dir.resolve("plain"));
        shard(d.resolve("a.safetensors"), "q");
        shard(d.resolve("b.safetensors"));
        shard(d.resolve("c.safetensors"));
        shard(d.resolve("d.safetensors"), "p", "o");
        try (Checkpoint c = Checkpoint.open(d)) {
            assertThat(names(c.tensors())).containsExactly("q", "o", "p");
            assertThat(c.tensors().get(1).name()).isEqualTo("o");
        }
    }
}
