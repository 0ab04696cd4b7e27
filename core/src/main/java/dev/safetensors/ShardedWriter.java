package dev.safetensors;

import dev.safetensors.internal.io.IoErrors;
import dev.safetensors.internal.shard.ShardName;
import dev.safetensors.internal.shard.ShardSetReplacement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a checkpoint as shards the way transformers' {@code save_pretrained} does: tensors kept whole
 * and assigned in the order they are added, a new shard when the next tensor would push the current one
 * past the limit, a tensor larger than the limit alone in a shard of its own; files
 * {@code model-00001-of-00004.safetensors} and an index with {@code metadata.total_size} and a sorted
 * {@code weight_map}. A checkpoint that fits in one shard is written as {@code model.safetensors} alone.
 *
 * <pre>{@code
 * ShardedWriter w = ShardedWriter.create(ShardedWriter.parseSize("5GB")).shardMetadata(Map.of("format", "pt"));
 * for (Tensor t : source.tensors()) w.add(t.name(), t.dtype(), t.shape(), TensorData.of(t.data()));
 * w.write(Path.of("out"), "model");
 * }</pre>
 */
public final class ShardedWriter {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?I?B)?", Pattern.CASE_INSENSITIVE);

    private record Entry(String name, DType dtype, Shape shape, TensorData data, long bytes) {
    }

    private final long maxShardBytes;
    private final List<Entry> entries = new ArrayList<>();
    private final Set<Integer> shardStarts = new HashSet<>();
    private final Map<String, Entry> byName = new LinkedHashMap<>();
    private Map<String, String> shardMetadata;

    private ShardedWriter(long maxShardBytes) {
        this.maxShardBytes = maxShardBytes;
    }

    /**
     * A writer with no tensors that starts a new shard before a tensor would pass {@code maxShardBytes}.
     *
     * @param maxShardBytes the most tensor bytes per shard (a larger single tensor gets its own shard)
     * @return the writer
     * @throws IllegalArgumentException unless {@code maxShardBytes} is positive
     */
    public static ShardedWriter create(long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("the shard size limit must be positive, got " + maxShardBytes);
        }
        return new ShardedWriter(maxShardBytes);
    }

    /**
     * Reads a size as transformers spells them: {@code 5GB} = 5·10^9 bytes, {@code 5GiB} = 5·2^30, also KB, MB,
     * TB, KiB, MiB, TiB, B, or a plain number of bytes.
     *
     * @param text the size, e.g. {@code "5GB"} or {@code "500MiB"}
     * @return the number of bytes
     * @throws IllegalArgumentException when {@code text} is not such a size
     */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read `" + text + "` as a size such as 5GB or 500MiB");
        }
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        double scale = switch (unit) {
            case "B" -> 1;
            case "KB" -> 1e3;
            case "MB" -> 1e6;
            case "GB" -> 1e9;
            case "TB" -> 1e12;
            case "KIB" -> 0x1p10;
            case "MIB" -> 0x1p20;
            case "GIB" -> 0x1p30;
            case "TIB" -> 0x1p40;
            default -> throw new IllegalArgumentException("unknown size unit in `" + text + "`");
        };
        return (long) (Double.parseDouble(m.group(1)) * scale);
    }

    /**
     * Sets the {@code __metadata__} of every shard (transformers writes {@code {"format": "pt"}}).
     *
     * @param metadata the entries, copied; or null for none
     * @return this writer
     */
    public ShardedWriter shardMetadata(Map<String, String> metadata) {
        this.shardMetadata = metadata == null ? null : new LinkedHashMap<>(metadata);
        return this;
    }

    /**
     * Declares a tensor; shards are assigned in declaration order. Checked as {@link SafeTensorsWriter#add}
     * checks it.
     *
     * @param name  the tensor's name, unique in the checkpoint
     * @param dtype its element type
     * @param shape its dimensions
     * @param data  where its bytes come from
     * @return this writer
     */
    public ShardedWriter add(String name, DType dtype, Shape shape, TensorData data) {
        long bytes = SafeTensorsWriter.checkDeclaration(name, dtype, shape, data);
        Entry e = new Entry(name, dtype, shape, data, bytes);
        if (byName.putIfAbsent(name, e) != null) {
            throw new SafeTensorsException(SafeTensorsException.Kind.JsonError, null, "duplicate tensor name `" + name + "`");
        }
        entries.add(e);
        return this;
    }

    /**
     * Ends the current shard: the next tensor added starts a new one. With a limit of {@code Long.MAX_VALUE}
     * this keeps an existing layout, as converting a sharded checkpoint of another format shard by shard does.
     *
     * @return this writer
     */
    public ShardedWriter newShard() {
        shardStarts.add(entries.size());
        return this;
    }

    /** The shards, as lists of tensor names, in file order. */
    List<List<Entry>> plan() {
        List<List<Entry>> shards = new ArrayList<>();
        List<Entry> current = new ArrayList<>();
        long currentBytes = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.bytes() > maxShardBytes) {
                shards.add(List.of(e));
                continue;
            }
            if ((currentBytes + e.bytes() > maxShardBytes || shardStarts.contains(i)) && !current.isEmpty()) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(e);
            currentBytes += e.bytes();
        }
        if (!current.isEmpty() || shards.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }

    /**
     * Writes the checkpoint into {@code dir}, replacing the one of the same prefix there as
     * {@code save_pretrained} does: the new shards, then the index, then the removal of every file of the
     * prefix the new checkpoint does not use (old shards, an old {@code <prefix>.safetensors}, or an old index
     * when the new checkpoint is one file). A crash at any point leaves a directory that opens as the complete
     * old or the complete new checkpoint, even when new shard names are the old ones (core/README.md,
     * "Replacing a checkpoint").
     *
     * @param dir    the directory; created if absent
     * @param prefix file name stem, usually {@code "model"}
     * @return the index written, or empty when everything fit in {@code <prefix>.safetensors}
     * @throws SafeTensorsException when a declaration is invalid (before anything is written) or I/O fails;
     *         the directory then still opens as the old checkpoint, unless the failure came after the commit
     */
    public Optional<ShardIndex> write(Path dir, String prefix) {
        return write(dir, prefix, ShardSetReplacement.Steps.NONE);
    }

    /** The same, telling {@code steps} of every change to the directory (for the crash tests). */
    Optional<ShardIndex> write(Path dir, String prefix, ShardSetReplacement.Steps steps) {
        if (prefix.isEmpty() || prefix.chars().anyMatch(c -> c == '/' || c == '\\' || c == 0 || c == ':')) {
            throw new IllegalArgumentException("the prefix names files in the directory: `" + prefix
                    + "` must be a bare file name stem such as \"model\"");
        }
        List<List<Entry>> shards = plan();
        List<SafeTensorsWriter> writers = new ArrayList<>();
        for (List<Entry> shard : shards) {
            SafeTensorsWriter w = writer(shard);
            w.headerBytes();        // every header is checked before any file is written
            writers.add(w);
        }
        createDirectories(dir);
        if (shards.size() == 1) {
            ShardSetReplacement.replace(dir, prefix, List.of(newFile(dir, prefix + ".safetensors", writers.get(0))), null,
                    steps);
            return Optional.empty();
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        List<ShardSetReplacement.NewFile> files = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            String file = ShardName.format(prefix, i + 1, shards.size());
            files.add(newFile(dir, file, writers.get(i)));
            for (Entry e : shards.get(i)) {
                weightMap.put(e.name(), file);
                total += e.bytes();
            }
        }
        Map<String, Object> metadata = Map.of("total_size", total);
        ShardSetReplacement.replace(dir, prefix, files, rename -> {
            Map<String, String> renamed = new LinkedHashMap<>();
            weightMap.forEach((tensor, shard) -> renamed.put(tensor, rename.apply(shard)));
            return ShardIndex.of(metadata, renamed).toJson().getBytes(StandardCharsets.UTF_8);
        }, steps);
        return Optional.of(ShardIndex.of(metadata, weightMap));
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw IoErrors.io(dir.toString(), "cannot create the directory", e);
        }
    }

    private static ShardSetReplacement.NewFile newFile(Path dir, String name, SafeTensorsWriter writer) {
        String target = dir.resolve(name).toString();
        return new ShardSetReplacement.NewFile(name, channel -> writer.write(channel, target));
    }

    private SafeTensorsWriter writer(List<Entry> shard) {
        SafeTensorsWriter w = SafeTensorsWriter.create().metadata(shardMetadata);
        for (Entry e : shard) {
            w.add(e.name(), e.dtype(), e.shape(), e.data());
        }
        return w;
    }
}
