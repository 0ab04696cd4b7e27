package dev.safetensors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Named tensors from one file or from the shards of a sharded checkpoint, behind one interface.
 *
 * <pre>{@code
 * try (Checkpoint ckpt = Checkpoint.open(Path.of("Mistral-7B"))) {   // a directory, an index or a file
 *     Tensor w = ckpt.tensor("model.layers.0.mlp.down_proj.weight");  // from whichever shard holds it
 * }
 * }</pre>
 */
public interface Checkpoint extends AutoCloseable {

    /**
     * Opens a safetensors file, a {@code *.safetensors.index.json}, or a directory, which opens as
     * transformers reads one: {@code model.safetensors} if it is there, else its index, else all its
     * {@code *.safetensors} files ({@link ShardedCheckpoint}).
     */
    static Checkpoint open(Path path, OpenOptions options) {
        if (Files.isDirectory(path) || path.getFileName().toString().endsWith(".json")) {
            return ShardedCheckpoint.open(path, options);
        }
        return SafeTensorsFile.open(path, options);
    }

    static Checkpoint open(Path path) {
        return open(path, OpenOptions.defaults());
    }

    /** Tensor names in file (or index) order. */
    List<String> names();

    /** Tensor names in Unicode code-point order. */
    List<String> sortedNames();

    int size();

    boolean contains(String name);

    /** @throws SafeTensorsException of kind {@code TensorNotFound} */
    Tensor tensor(String name);

    /**
     * String metadata: a file's {@code __metadata__}, or a sharded checkpoint's index metadata with
     * numbers written as JSON writes them (e.g. {@code total_size}).
     */
    Optional<Map<String, String>> metadata();

    /** What to call the checkpoint in messages. */
    String description();

    @Override
    void close();
}
