package dev.safetensors;

import dev.safetensors.io.CheckpointProvider;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

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
     *
     * @param path    a {@code .safetensors} file, an index file, or a directory
     * @param options how to read it
     * @return the open checkpoint; the caller closes it
     * @throws SafeTensorsException when the checkpoint cannot be opened or its header breaks a rule
     */
    static Checkpoint open(Path path, OpenOptions options) {
        if (Files.isDirectory(path) || path.getFileName().toString().endsWith(".json")) {
            return ShardedCheckpoint.open(path, options);
        }
        return SafeTensorsFile.open(path, options);
    }

    /**
     * Opens {@code path} with {@link OpenOptions#defaults()}, as {@link #open(Path, OpenOptions)}.
     *
     * @param path a {@code .safetensors} file, an index file, or a directory
     * @return the open checkpoint; the caller closes it
     */
    static Checkpoint open(Path path) {
        return open(path, OpenOptions.defaults());
    }

    /**
     * Opens a checkpoint by URI: {@code file:} as {@link #open(Path, OpenOptions)}, any other scheme through a
     * {@link CheckpointProvider} on the module or class path ({@code safetensors-hub} opens {@code hf://} and
     * {@code https://} in place, reading only headers until tensors are asked for).
     *
     * <pre>{@code
     * try (Checkpoint c = Checkpoint.open(URI.create("hf://org/model"), OpenOptions.defaults())) { ... }
     * }</pre>
     *
     * @param uri     a {@code file:} URI, a scheme-less path, or an address a provider opens
     * @param options how to read it
     * @return the open checkpoint; the caller closes it
     * @throws SafeTensorsException {@code IoError} when no provider opens the scheme
     */
    static Checkpoint open(URI uri, OpenOptions options) {
        if (uri.getScheme() == null || uri.getScheme().equalsIgnoreCase("file")) {
            return open(uri.getScheme() == null ? Path.of(uri.getPath()) : Path.of(uri), options);
        }
        for (CheckpointProvider p : ServiceLoader.load(CheckpointProvider.class, Checkpoint.class.getClassLoader())) {
            if (p.supports(uri)) {
                return p.open(uri, options);
            }
        }
        throw new SafeTensorsException(SafeTensorsException.Kind.IoError, uri.toString(), "nothing opens `"
                + uri.getScheme() + ":` checkpoints here; put safetensors-hub on the module or class path for hf:// and"
                + " https://");
    }

    /**
     * Opens {@code uri} with {@link OpenOptions#defaults()}, as {@link #open(URI, OpenOptions)}.
     *
     * @param uri a {@code file:} URI, a scheme-less path, or an address a provider opens
     * @return the open checkpoint; the caller closes it
     */
    static Checkpoint open(URI uri) {
        return open(uri, OpenOptions.defaults());
    }

    /** {@return tensor names in file (or index) order} */
    List<String> names();

    /** {@return tensor names in Unicode code-point order} */
    List<String> sortedNames();

    /** {@return the number of tensors} */
    int size();

    /**
     * {@return whether a tensor of this name exists}
     *
     * @param name a tensor name
     */
    boolean contains(String name);

    /**
     * {@return the tensor of this name, from whichever file holds it}
     *
     * @param name a tensor name
     * @throws SafeTensorsException of kind {@code TensorNotFound}
     */
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
     * {@return string metadata: a file's {@code __metadata__}, or a sharded checkpoint's index metadata with
     * numbers written as JSON writes them (e.g. {@code total_size})}
     */
    Optional<Map<String, String>> metadata();

    /**
     * Streams tensors (or a rank's pieces) onto {@code device}: parallel positional reads into at most
     * {@code budget.bytes()} of staging memory, overlapped with the device's copies; tensors are handed out
     * as they finish. The checkpoint must stay open until the stream has ended or closed.
     *
     * <pre>{@code
     * try (TensorStream s = ckpt.stream(Device.open("cuda:0"), LoadPlan.rank(plan, Rank.fromEnvironment().orElseThrow()),
     *         LoadBudget.ofBytes(512L << 20))) {
     *     for (LoadedTensor t : s) model.put(t.name(), t.tensor());
     * }
     * }</pre>
     *
     * @param device where the tensors go
     * @param plan   which tensors, or which pieces of them
     * @param budget staging memory, threads and chunk size
     * @return the stream of loaded tensors; the caller closes it
     */
    default dev.safetensors.load.TensorStream stream(dev.safetensors.device.Device device,
            dev.safetensors.load.LoadPlan plan, dev.safetensors.load.LoadBudget budget) {
        return StreamingLoad.start(this, device, plan, budget);
    }

    /** {@return what to call the checkpoint in messages} */
    String description();

    /** Closes every file of the checkpoint; tensor views taken from it become invalid. */
    @Override
    void close();
}
