package dev.safetensors;

import static dev.safetensors.SafeTensorsException.Kind.TensorNotFound;

import dev.safetensors.internal.json.Utf8;
import dev.safetensors.internal.shard.DirectoryLayout;
import dev.safetensors.internal.shard.NumberedSets;
import dev.safetensors.internal.shard.PooledSource;
import dev.safetensors.internal.shard.ShardPaths;
import dev.safetensors.internal.shard.ShardPool;
import dev.safetensors.io.ByteSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The shards of a checkpoint as one set of named tensors: from a {@code *.safetensors.index.json} (or a
 * directory holding one), or from the {@code *.safetensors} files of a directory without an index.
 *
 * <p>A directory opens as transformers' {@code from_pretrained} reads it: {@code model.safetensors} if it is
 * there (a single file beats an index), else the index ({@code model.safetensors.index.json}, or the only
 * {@code *.safetensors.index.json}), else every {@code *.safetensors} file merged, whose numbered shards
 * ({@code model-00001-of-00004.safetensors}) must form complete sets.
 *
 * <p>Checked both ways when opened: every tensor of the weight map is in its shard, every tensor of every
 * shard is in the weight map and mapped to that shard, no name is in two shards. Shard names are bare file
 * names of the directory; a shard that is a symbolic link must lead inside the directory, or, for a snapshot
 * of the Hugging Face cache ({@code models--org--name/snapshots/<commit>/}), inside the cache repository,
 * unless {@link OpenOptions#withLinksOutsideAllowed} says otherwise.
 *
 * <p>Any number of shards opens: at most {@link OpenOptions#maxOpenShards()} files are open at once, others
 * are opened on demand and the least recently used closed. Tensors and their views stay valid throughout: a
 * mapped shard keeps its mapping without a descriptor, a positional read reopens its file, and a file found
 * replaced on disk since the checkpoint was opened is an {@code IoError}, never another file's bytes.
 *
 * <pre>{@code
 * try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(Path.of("Mixtral/model.safetensors.index.json"),
 *         OpenOptions.defaults())) {
 *     ckpt.index().orElseThrow().totalSize();
 *     ckpt.tensor("lm_head.weight").toFloatArray();
 * }
 * }</pre>
 */
public final class ShardedCheckpoint implements Checkpoint {
    private final String description;
    private final ShardIndex index;              // null without an index file
    private final List<SafeTensorsFile> shards;
    private final Map<String, SafeTensorsFile> byTensor;
    private final List<String> names;

    private ShardedCheckpoint(String description, ShardIndex index, List<SafeTensorsFile> shards,
            Map<String, SafeTensorsFile> byTensor, List<String> names) {
        this.description = description;
        this.index = index;
        this.shards = shards;
        this.byTensor = byTensor;
        this.names = names;
    }

    /**
     * Opens a directory (with or without an index) or an index file, by the rules of {@link Checkpoint#open}.
     *
     * @param path    a directory of shards or a {@code *.safetensors.index.json}
     * @param options how to read the shards; {@link OpenOptions#maxHeaderSize()} also bounds the index
     * @return the open checkpoint; the caller closes it
     * @throws SafeTensorsException when the index or a shard is malformed or missing, or the two disagree
     */
    public static ShardedCheckpoint open(Path path, OpenOptions options) {
        if (!Files.isDirectory(path)) {
            Path dir = path.toAbsolutePath().getParent();
            return openIndexed(ShardPaths.of(dir, options.linksOutsideAllowed(), path.toString()), path, path.toString(),
                    options);
        }
        return switch (DirectoryLayout.forOpening(path)) {
            case DirectoryLayout.Single single -> openFiles(path, List.of(single.file()), options);
            case DirectoryLayout.Indexed indexed -> {
                String source = path.resolve(indexed.index()).toString();
                ShardPaths paths = ShardPaths.of(path, options.linksOutsideAllowed(), source);
                yield openIndexed(paths, paths.resolve(indexed.index()), source, options);
            }
            case DirectoryLayout.Unindexed unindexed -> {
                checkNumberedSets(path, unindexed.files());
                yield openFiles(path, unindexed.files(), options);
            }
            case DirectoryLayout.Empty empty -> throw DirectoryLayout.empty(path);
        };
    }

    private static void checkNumberedSets(Path dir, List<String> files) {
        NumberedSets.problem(files).ifPresent(p -> {
            throw p.missing() > 0
                    ? new SafeTensorsException(SafeTensorsException.Kind.IoError, dir.toString(), p.text()
                            + (p.missing() == 1 ? " is" : " are") + " missing, and there is no index")
                    : new SafeTensorsException(SafeTensorsException.Kind.InvalidHeaderDeserialization, dir.toString(),
                            p.text());
        });
    }

    private static ShardedCheckpoint openIndexed(ShardPaths paths, Path indexFile, String source, OpenOptions options) {
        ShardIndex index = ShardIndex.read(indexFile, source, options.maxHeaderSize());
        ShardPool pool = new ShardPool(options.maxOpenShards());
        return fromIndex(index, source, shard -> openShard(pool, paths, shard, options));
    }

    /**
     * Opens the shards of an index whose bytes come from elsewhere than a directory (a remote store, an archive):
     * {@code shards} gives each shard's source by its name in the index. Checked both ways as {@link #open}; the
     * checkpoint owns the sources and closes them (all of them, also when opening fails).
     *
     * <pre>{@code
     * ShardIndex index = ShardIndex.parse(indexBytes, "hf://org/model/model.safetensors.index.json");
     * try (ShardedCheckpoint c = ShardedCheckpoint.open(index, "hf://org/model", shard -> remoteSource(shard),
     *         Header.DEFAULT_MAX_SIZE)) { ... }
     * }</pre>
     *
     * @param index         the parsed index
     * @param description   what to call the checkpoint in messages (the index's address)
     * @param shards        a shard's name in the index → the source of its bytes
     * @param maxHeaderSize the largest shard header accepted
     * @return the open checkpoint; the caller closes it
     * @throws SafeTensorsException when a shard is malformed or does not hold what the index says
     */
    public static ShardedCheckpoint open(ShardIndex index, String description, Function<String, ByteSource> shards,
            long maxHeaderSize) {
        return fromIndex(index, description, shard -> SafeTensorsFile.open(shards.apply(shard), maxHeaderSize));
    }

    private static ShardedCheckpoint fromIndex(ShardIndex index, String source,
            Function<String, SafeTensorsFile> openShard) {
        List<SafeTensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafeTensorsFile> byShard = new HashMap<>();
            for (String shard : index.shards()) {
                SafeTensorsFile f = openShard.apply(shard);
                opened.add(f);
                byShard.put(shard, f);
            }
            Map<String, SafeTensorsFile> byTensor = new HashMap<>();
            for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
                SafeTensorsFile f = byShard.get(e.getValue());
                if (!f.contains(e.getKey())) {
                    throw new SafeTensorsException(TensorNotFound, source, "the index maps tensor `"
                            + e.getKey() + "` to shard `" + e.getValue() + "`, which has no such tensor");
                }
                byTensor.put(e.getKey(), f);
            }
            for (String shard : index.shards()) {
                for (String name : byShard.get(shard).names()) {
                    String mapped = index.shardOf(name);
                    if (!shard.equals(mapped)) {
                        throw ShardIndex.invalid(source, "shard `" + shard + "` holds tensor `" + name
                                + "`, which the index " + (mapped == null ? "does not list" : "maps to `" + mapped + "`"));
                    }
                }
            }
            return new ShardedCheckpoint(source, index, List.copyOf(opened), byTensor,
                    List.copyOf(index.weightMap().keySet()));
        } catch (RuntimeException | Error e) {
            opened.forEach(SafeTensorsFile::close);
            throw e;
        }
    }

    private static ShardedCheckpoint openFiles(Path dir, List<String> files, OpenOptions options) {
        ShardPaths paths = ShardPaths.of(dir, options.linksOutsideAllowed(), dir.toString());
        ShardPool pool = new ShardPool(options.maxOpenShards());
        List<SafeTensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafeTensorsFile> byTensor = new HashMap<>();
            List<String> names = new ArrayList<>();
            for (String file : files) {
                SafeTensorsFile f = openShard(pool, paths, file, options);
                opened.add(f);
                for (String name : f.names()) {
                    SafeTensorsFile other = byTensor.putIfAbsent(name, f);
                    if (other != null) {
                        throw new SafeTensorsException(SafeTensorsException.Kind.InvalidHeaderDeserialization,
                                dir.toString(), "tensor `" + name + "` is in both `" + other.description() + "` and `"
                                + f.description() + "`");
                    }
                    names.add(name);
                }
            }
            return new ShardedCheckpoint(dir.toString(), null, List.copyOf(opened), byTensor, List.copyOf(names));
        } catch (RuntimeException | Error e) {
            opened.forEach(SafeTensorsFile::close);
            throw e;
        }
    }

    private static SafeTensorsFile openShard(ShardPool pool, ShardPaths paths, String name, OpenOptions options) {
        Path real = paths.resolve(name);
        return SafeTensorsFile.open(PooledSource.open(pool, real, paths.named(name).toString(), options.strategy(),
                options.arena()), options.maxHeaderSize());
    }

    /** {@return the index, when the checkpoint has one} */
    public Optional<ShardIndex> index() {
        return Optional.ofNullable(index);
    }

    /** {@return the open shard files, in index (or file name) order} */
    public List<SafeTensorsFile> shards() {
        return shards;
    }

    /**
     * {@return the shard holding {@code name}}
     *
     * @param name a tensor name
     * @throws SafeTensorsException of kind {@code TensorNotFound}
     */
    public SafeTensorsFile shardOf(String name) {
        SafeTensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new SafeTensorsException(TensorNotFound, description, "tensor `" + name + "` not found in any of "
                    + shards.size() + " shards");
        }
        return f;
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public List<String> sortedNames() {
        String[] s = names.toArray(new String[0]);
        Arrays.sort(s, Utf8::compare);
        return List.of(s);
    }

    @Override
    public int size() {
        return names.size();
    }

    @Override
    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    @Override
    public Tensor tensor(String name) {
        return shardOf(name).tensor(name);
    }

    /**
     * Every tensor, shard by shard in the order of the shards' file names ({@code model-00001-of-00004} first,
     * whatever order the index's weight map names them in), each shard's in its header order.
     *
     * <pre>{@code
     * for (Tensor t : ckpt.tensors()) {          // model-00001-of-00004 first, then -00002, ...
     *     load(t);
     * }
     * }</pre>
     *
     * @return the tensors, an unmodifiable list
     */
    @Override
    public List<Tensor> tensors() {
        List<SafeTensorsFile> files = shards;
        if (index != null) {       // shards opened in the index's order of first appearance: sort them by name
            List<String> names = index.shards();
            Integer[] order = new Integer[names.size()];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, java.util.Comparator.comparing(names::get, Utf8::compare));
            files = Arrays.stream(order).map(shards::get).toList();
        }
        List<SafeTensorsFile> inOrder = files;
        long[] ends = new long[inOrder.size()];     // tensors before the end of each shard
        long total = 0;
        for (int i = 0; i < ends.length; i++) {
            total += inOrder.get(i).size();
            ends[i] = total;
        }
        int size = (int) total;
        final class Tensors extends java.util.AbstractList<Tensor> implements java.util.RandomAccess {
            @Override
            public Tensor get(int i) {
                java.util.Objects.checkIndex(i, size);
                int shard = Arrays.binarySearch(ends, i + 1L);
                shard = shard >= 0 ? shard : -shard - 1;
                while (shard > 0 && ends[shard - 1] == ends[shard]) {
                    shard--;    // an empty shard ends where the one before it ends: take the first with that end
                }
                return inOrder.get(shard).tensors().get((int) (i - (shard == 0 ? 0 : ends[shard - 1])));
            }

            @Override
            public int size() {
                return size;
            }
        }
        return new Tensors();
    }

    /**
     * The index metadata, strings as they are and every other value as its JSON text (numbers as the index
     * spells them, objects and arrays as JSON). Without an index: the file's {@code __metadata__} when the
     * checkpoint is one file (a directory holding {@code model.safetensors}), else empty.
     */
    @Override
    public Optional<Map<String, String>> metadata() {
        if (index != null) {
            return Optional.of(index.metadataAsText());
        }
        return shards.size() == 1 ? shards.get(0).metadata() : Optional.empty();
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() {
        shards.forEach(SafeTensorsFile::close);
    }
}
