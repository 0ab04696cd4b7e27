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
     * Opens a safetensors file, a {@code *.safetensors.index.json}, or a directory holding either an index
     * or {@code *.safetensors} files.
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
     * Every tensor, in file order: a file's in the order its header lists them ({@link #names()}); a sharded
     * checkpoint's shard by shard, in the order of the shards' file names ({@code model-00001-of-00004} first), each
     * shard's in its file order.
     * Tensors are made as the list is read; no tensor byte is read. Iterating a sharded checkpoint this way reads
     * its files one after another, however the index orders the names.
     *
     * <pre>{@code
     * try (Checkpoint ckpt = Checkpoint.open(Path.of("Mistral-7B"))) {
     *     for (Tensor t : ckpt.tensors()) {
     *         System.out.println(t.name() + " " + t.dtype() + t.shape());
     *     }
     * }
     * }</pre>
     *
     * @return the tensors, an unmodifiable list
     */
    default List<Tensor> tensors() {
        return names().stream().map(this::tensor).toList();
    }

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
