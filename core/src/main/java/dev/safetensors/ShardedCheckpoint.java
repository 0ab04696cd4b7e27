package dev.safetensors;

import static dev.safetensors.SafeTensorsException.Kind.TensorNotFound;

import dev.safetensors.internal.json.Utf8;
import dev.safetensors.internal.io.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The shards of a checkpoint as one set of named tensors: from a {@code *.safetensors.index.json} (or a
 * directory holding one), or from every {@code *.safetensors} file of a directory without an index.
 *
 * <p>Checked both ways when opened: every tensor of the weight map is in its shard, every tensor of every
 * shard is in the weight map and mapped to that shard, no name is in two shards; shard names cannot leave
 * the directory, not even through a symbolic link.
 *
 * <pre>{@code
 * try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(Path.of("Mixtral/model.safetensors.index.json"),
 *         OpenOptions.defaults())) {
 *     ckpt.index().totalSize();
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

    /** Opens a directory (with or without an index) or an index file. */
    public static ShardedCheckpoint open(Path path, OpenOptions options) {
        if (Files.isDirectory(path)) {
            Path idx = findIndex(path);
            return idx != null ? openIndexed(idx, options) : openDirectory(path, options);
        }
        return openIndexed(path, options);
    }

    private static Path findIndex(Path dir) {
        Path standard = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(standard)) {
            return standard;
        }
        List<Path> found = list(dir, ".safetensors.index.json");
        if (found.size() > 1) {
            throw ShardIndex.invalid(dir.toString(), "the directory holds " + found.size()
                    + " index files; open one of them");
        }
        return found.isEmpty() ? null : found.get(0);
    }

    private static ShardedCheckpoint openIndexed(Path indexFile, OpenOptions options) {
        ShardIndex index = ShardIndex.read(indexFile, options.maxHeaderSize());
        Path dir = indexFile.toAbsolutePath().getParent();
        List<SafeTensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafeTensorsFile> byShard = new HashMap<>();
            for (String shard : index.shards()) {
                SafeTensorsFile f = SafeTensorsFile.open(resolveInside(dir, shard, indexFile.toString()), options);
                opened.add(f);
                byShard.put(shard, f);
            }
            Map<String, SafeTensorsFile> byTensor = new HashMap<>();
            for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
                SafeTensorsFile f = byShard.get(e.getValue());
                if (!f.contains(e.getKey())) {
                    throw new SafeTensorsException(TensorNotFound, indexFile.toString(), "the index maps tensor `"
                            + e.getKey() + "` to shard `" + e.getValue() + "`, which has no such tensor");
                }
                byTensor.put(e.getKey(), f);
            }
            for (String shard : index.shards()) {
                for (String name : byShard.get(shard).names()) {
                    String mapped = index.shardOf(name);
                    if (!shard.equals(mapped)) {
                        throw ShardIndex.invalid(indexFile.toString(), "shard `" + shard + "` holds tensor `" + name
                                + "`, which the index " + (mapped == null ? "does not list" : "maps to `" + mapped + "`"));
                    }
                }
            }
            return new ShardedCheckpoint(indexFile.toString(), index, List.copyOf(opened), byTensor,
                    List.copyOf(index.weightMap().keySet()));
        } catch (RuntimeException | Error e) {
            opened.forEach(SafeTensorsFile::close);
            throw e;
        }
    }

    private static ShardedCheckpoint openDirectory(Path dir, OpenOptions options) {
        List<Path> files = list(dir, ".safetensors");
        if (files.isEmpty()) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, dir.toString(),
                    "no *.safetensors file and no *.safetensors.index.json in the directory");
        }
        List<SafeTensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafeTensorsFile> byTensor = new HashMap<>();
            List<String> names = new ArrayList<>();
            for (Path p : files) {
                SafeTensorsFile f = SafeTensorsFile.open(resolveInside(dir.toAbsolutePath(), p.getFileName().toString(),
                        dir.toString()), options);
                opened.add(f);
                for (String name : f.names()) {
                    SafeTensorsFile other = byTensor.putIfAbsent(name, f);
                    if (other != null) {
                        throw ShardIndex.invalid(dir.toString(), "tensor `" + name + "` is in both `"
                                + other.description() + "` and `" + f.description() + "`");
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

    /** {@code dir/name}, refusing names and symbolic links that lead out of {@code dir}. */
    private static Path resolveInside(Path dir, String name, String source) {
        ShardIndex.checkShardName(name, source);
        Path p = dir.resolve(name);
        try {
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new SafeTensorsException(SafeTensorsException.Kind.IoError, source,
                        "shard `" + name + "` is missing from " + dir);
            }
            Path real = p.toRealPath();
            if (!real.getParent().equals(dir.toRealPath())) {
                throw ShardIndex.invalid(source, "shard `" + name + "` is a link to " + real + ", outside " + dir);
            }
            return real;
        } catch (IOException e) {
            throw IoErrors.io(source, "cannot resolve shard `" + name + "`", e);
        }
    }

    private static List<Path> list(Path dir, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw IoErrors.io(dir.toString(), "cannot list the directory", e);
        }
    }

    /** The index, when the checkpoint has one. */
    public Optional<ShardIndex> index() {
        return Optional.ofNullable(index);
    }

    /** The open shard files, in index (or file name) order. */
    public List<SafeTensorsFile> shards() {
        return shards;
    }

    /** The shard holding {@code name}. */
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

    /** The index metadata, numbers as JSON text; empty without an index. */
    @Override
    public Optional<Map<String, String>> metadata() {
        if (index == null) {
            return Optional.empty();
        }
        Map<String, String> m = new LinkedHashMap<>();
        index.metadata().forEach((k, v) -> m.put(k, String.valueOf(v)));
        return Optional.of(Collections.unmodifiableMap(m));
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
