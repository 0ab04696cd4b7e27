package dev.safetensors.torch;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;

import dev.safetensors.Header;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.ShardIndex;
import dev.safetensors.torch.internal.checkpoint.CheckpointFiles;
import dev.safetensors.torch.internal.checkpoint.Flattener;
import dev.safetensors.torch.internal.checkpoint.OpenedFile;
import dev.safetensors.torch.internal.checkpoint.SharedStorages;
import dev.safetensors.torch.internal.checkpoint.Storage;
import dev.safetensors.torch.internal.checkpoint.Views;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A PyTorch checkpoint ({@code .bin}, {@code .pt}, {@code .pth}: a zip archive or the legacy stream, or the
 * shards of a {@code pytorch_model.bin.index.json}) read without running any of it.
 *
 * <p>Opening maps each file and reads its pickle with a machine whose opcodes only build data: every
 * global is checked against an allowlist of what state dicts are made of before anything is built
 * (anything else is an {@code UnsafePickle} error naming it), and every tensor's view is checked against
 * its storage. Tensors stay in the mapping; {@link TorchTensor#data()} streams them.
 *
 * <pre>{@code
 * try (TorchCheckpoint ckpt = TorchCheckpoint.open(Path.of("pytorch_model.bin"))) {
 *     for (TorchTensor t : ckpt.tensors()) {
 *         System.out.println(t.name() + " " + t.dtype() + " " + t.shape());
 *     }
 *     ckpt.skipped();        // [epoch (int), optimizer (dict of 2)] ...
 *     ckpt.duplicates();     // {lm_head.weight=model.embed_tokens.weight}: tied weights, written once
 *     TorchConverter.create().convert(ckpt, Path.of("model.safetensors"));
 * } catch (SafeTensorsException e) {
 *     System.err.println(e.kind() + ": " + e.getMessage());   // UnsafePickle: ... `posix.system` ...
 * }
 * }</pre>
 *
 * <p>The tensors are those of the sub-dict chosen by {@link TorchOptions#withSubDict} or by rule, flattened
 * with dotted names; values that are not tensors are listed in {@link #skipped()}. Not thread-safe to
 * close while tensors are being read: reads then fail with {@code IoError} ("the checkpoint is closed").
 */
public final class TorchCheckpoint implements AutoCloseable {
    private final String description;
    private final List<OpenedFile> files;
    private final ShardIndex index;
    private final List<TorchTensor> tensors;
    private final Map<String, TorchTensor> byName;
    private final Map<String, String> duplicates;
    private final List<SkippedEntry> skipped;
    private volatile boolean closed;

    private TorchCheckpoint(String description, List<OpenedFile> files, ShardIndex index) {
        this.description = description;
        this.files = files;
        this.index = index;
        List<TorchTensor> all = new ArrayList<>();
        Map<String, TorchTensor> names = new LinkedHashMap<>();
        Map<String, String> dups = new LinkedHashMap<>();
        List<SkippedEntry> skips = new ArrayList<>();
        for (OpenedFile f : files) {
            for (Flattener.Named n : f.flat().tensors()) {
                TorchTensor t = tensor(f, n);
                if (names.putIfAbsent(t.name(), t) != null) {
                    throw new SafeTensorsException(InvalidHeaderDeserialization, description, "tensor `" + t.name()
                            + "` is in two files: " + names.get(t.name()).file() + " and " + t.file());
                }
                all.add(t);
            }
            dups.putAll(SharedStorages.duplicates(f.flat().tensors()));
            skips.addAll(f.flat().skipped());
        }
        this.tensors = List.copyOf(all);
        this.byName = Collections.unmodifiableMap(names);
        this.duplicates = Collections.unmodifiableMap(dups);
        this.skipped = List.copyOf(skips);
        if (index != null) {
            checkIndex();
        }
    }

    /**
     * Opens a checkpoint file, an index, or a directory holding either, with the default options.
     *
     * @param path what to open
     * @return the checkpoint, to close
     */
    public static TorchCheckpoint open(Path path) {
        return open(path, TorchOptions.defaults());
    }

    /**
     * Opens a checkpoint file ({@code .bin}, {@code .pt}, {@code .pth}, {@code .ckpt}: zip archive or legacy
     * stream), an index ({@code pytorch_model.bin.index.json}, with its shards), or a directory holding an
     * index, a complete set of numbered shards ({@code pytorch_model-00001-of-00002.bin}) or one checkpoint.
     *
     * @param path    what to open
     * @param options the sub-dict and the limits
     * @return the checkpoint, to close
     * @throws SafeTensorsException {@code UnsafePickle} for any global off the allowlist (nothing is run);
     *         structural errors with the kinds of the safetensors reader ({@code InvalidOffset} for a storage or
     *         view outside the file, {@code MetadataIncompleteBuffer} for a truncated file, ...), each naming the
     *         file, the entry or tensor, and the rule broken
     */
    public static TorchCheckpoint open(Path path, TorchOptions options) {
        CheckpointFiles found = CheckpointFiles.resolve(path, Header.DEFAULT_MAX_SIZE);
        List<OpenedFile> opened = new ArrayList<>();
        try {
            for (Path p : found.files()) {
                opened.add(OpenedFile.open(p, options));
            }
            return new TorchCheckpoint(path.toString(), List.copyOf(opened), found.index());
        } catch (RuntimeException e) {
            opened.forEach(OpenedFile::close);
            throw e;
        }
    }

    /**
     * Whether {@code path} looks like a PyTorch checkpoint rather than safetensors: a zip archive or a
     * pickle (by its first bytes), a PyTorch index, or a directory with either and no {@code *.safetensors}.
     * A cheap test of names and magic bytes, for choosing a reader; {@link #open} does the real checks.
     *
     * @param path a file or directory
     * @return whether to read it with this module
     */
    public static boolean looksLikeCheckpoint(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (Files.isDirectory(path)) {
            try (var s = Files.list(path)) {
                List<String> names = s.map(p -> p.getFileName().toString()).toList();
                return names.stream().noneMatch(n -> n.endsWith(".safetensors") || n.endsWith(".safetensors.index.json"))
                        && names.stream().anyMatch(n -> CheckpointFiles.isIndex(n) || CheckpointFiles.hasCheckpointSuffix(n));
            } catch (IOException e) {
                return false;
            }
        }
        if (CheckpointFiles.isIndex(name)) {
            return true;
        }
        byte[] head = new byte[20];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            return false;
        }
        // A safetensors file whose header length happens to begin with 0x80 0x02 is still safetensors.
        boolean safetensors = n >= 9 && head[8] == '{';
        boolean zip = n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        boolean pickle = n >= 2 && (head[0] & 0xFF) == 0x80 && head[1] >= 2 && head[1] <= 5;
        boolean textMagic = n >= 20 && new String(head, 0, 20, java.nio.charset.StandardCharsets.US_ASCII)
                .equals("L1195470371460388013");   // the legacy magic number, pickled at protocol 0 or 1
        return !safetensors && (zip || pickle || textMagic);
    }

    /** {@return the checkpoint files read, in shard order} */
    public List<Path> files() {
        return files.stream().map(OpenedFile::path).toList();
    }

    /** {@return the layout of the (first) file} */
    public TorchFormat format() {
        return files.getFirst().loaded().format();
    }

    /** {@return the sub-dict the tensors came from}: {@code ""} for the whole object, else its dotted path */
    public String subDict() {
        return files.getFirst().flat().selected();
    }

    /** {@return the archive's small records of the (first) file}: {@code version}, {@code byteorder}, ... */
    public Map<String, String> records() {
        return files.getFirst().loaded().records();
    }

    /** {@return every tensor, in checkpoint order} Duplicates of shared storages are included. */
    public List<TorchTensor> tensors() {
        return tensors;
    }

    /** {@return the tensor names, in checkpoint order} */
    public List<String> names() {
        return tensors.stream().map(TorchTensor::name).toList();
    }

    /** {@return the number of tensors} */
    public int size() {
        return tensors.size();
    }

    /**
     * {@return whether there is a tensor of that name}
     *
     * @param name a tensor name
     */
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /**
     * {@return the tensor of that name}
     *
     * @param name a tensor name
     * @throws SafeTensorsException of kind {@code TensorNotFound}
     */
    public TorchTensor tensor(String name) {
        TorchTensor t = byName.get(name);
        if (t == null) {
            throw new SafeTensorsException(SafeTensorsException.Kind.TensorNotFound, description, "no tensor `" + name
                    + "`");
        }
        return t;
    }

    /**
     * Tensors that are the very same view of a storage as another (tied weights): dropped name → the name
     * written, as the reference's torch helper chooses it. A converter writes each once and records this map
     * in {@code __metadata__}.
     *
     * @return dropped name → kept name
     */
    public Map<String, String> duplicates() {
        return duplicates;
    }

    /** {@return what the checkpoint holds besides tensors}, not converted */
    public List<SkippedEntry> skipped() {
        return skipped;
    }

    /** {@return the index the shards came from}, when there is one */
    public Optional<ShardIndex> index() {
        return Optional.ofNullable(index);
    }

    /** {@return the path opened}, for messages */
    public String description() {
        return description;
    }

    /** Unmaps every file; tensors read afterwards fail with {@code IoError}. Idempotent. */
    @Override
    public void close() {
        closed = true;
        files.forEach(OpenedFile::close);
    }

    private TorchTensor tensor(OpenedFile f, Flattener.Named n) {
        String source = f.path().toString();
        Storage storage = f.loaded().storages().get(n.tensor().storage().key());
        Views.Checked v = Views.check(n.name(), n.tensor(), storage, source);
        return new TorchTensor(n.name(), f.path(), v.dtype(), v.shape(), n.tensor(), v.view(), () -> closed);
    }

    /** The index and the shards agree both ways, as for safetensors shards. */
    private void checkIndex() {
        Map<String, String> weightMap = index.weightMap();
        for (TorchTensor t : tensors) {
            String shard = weightMap.get(t.name());
            String actual = t.file().getFileName().toString();
            if (!actual.equals(shard)) {
                throw new SafeTensorsException(InvalidHeaderDeserialization, description, "tensor `" + t.name()
                        + "` is in " + actual + ", but the index " + (shard == null ? "does not list it"
                        : "maps it to " + shard));
            }
        }
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            if (!byName.containsKey(e.getKey())) {
                throw new SafeTensorsException(InvalidHeaderDeserialization, description, "the index maps `"
                        + e.getKey() + "` to " + e.getValue() + ", which does not hold it");
            }
        }
    }
}
