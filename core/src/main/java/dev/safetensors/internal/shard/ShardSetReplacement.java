package dev.safetensors.internal.shard;

import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.ShardIndex;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.internal.io.AtomicFile;
import dev.safetensors.internal.io.InFlight;
import dev.safetensors.internal.io.IoErrors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Replaces the checkpoint of one prefix in a directory ({@code model.safetensors}, or an index and its
 * numbered shards) with a new one, as {@code save_pretrained} leaves a directory, such that a crash at any
 * point leaves a directory that opens ({@link DirectoryLayout}'s rules, which are transformers') as the
 * complete old checkpoint or the complete new one.
 *
 * <p>Each file is written atomically (temp, fsync, rename). What a reader opens changes only at one rename or
 * removal, the commit; everything before it is invisible to readers, everything after it is clean-up:
 *
 * <ul>
 *   <li><b>New single file</b>: its rename is the commit (a single file beats an index); then the index and the
 *       shards of the prefix are removed.</li>
 *   <li><b>New shards</b>: the shards are written first, each under a name the current checkpoint does not
 *       use, then the index. The commit is the index's rename, or, when a single file is there (which beats
 *       the index), that file's removal. Then every file of the prefix the new index does not name is removed.
 *       </li>
 *   <li><b>Names that collide</b>: a new shard whose name the current index uses (the same shard count) is
 *       written as {@code NAME.staged-<tag>.safetensors}, committed under that name, and only once the old
 *       shards are gone given its own name too, by a hard link (a copy where links are not supported); a
 *       second index commit then names the final names, and the staged names are removed.</li>
 *   <li><b>No index</b>: a directory of shards without an index opens as the merge of its files, which any
 *       new file would join; its current content is first committed as an index of those files.</li>
 * </ul>
 *
 * <p>Until its commit, every new file is in flight ({@link InFlight}): a normal JVM shutdown removes it and
 * refuses the commit. One writer per directory and prefix at a time.
 *
 * <pre>{@code
 * ShardSetReplacement.replace(dir, "model", files, rename -> indexJson(rename));
 * }</pre>
 */
public final class ShardSetReplacement {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One file of the new checkpoint: its final name and its content. */
    public record NewFile(String name, AtomicFile.Body body) {
    }

    /** The new index's JSON, naming each shard as {@code rename} says (the final name or a staged one). */
    @FunctionalInterface
    public interface IndexJson {
        byte[] forShards(UnaryOperator<String> rename);
    }

    /** Sees every change to the directory, in order (tests check the directory after each one). */
    @FunctionalInterface
    public interface Steps {
        Steps NONE = step -> { };

        void after(String step) throws IOException;
    }

    private final Path dir;
    private final String prefix;
    private final String single;
    private final String index;
    private final Steps steps;

    private ShardSetReplacement(Path dir, String prefix, Steps steps) {
        this.dir = dir.toAbsolutePath();
        this.prefix = prefix;
        this.single = prefix + DirectoryLayout.SUFFIX;
        this.index = prefix + DirectoryLayout.INDEX_SUFFIX;
        this.steps = steps;
    }

    /**
     * Replaces the checkpoint of {@code prefix} in {@code dir}.
     *
     * @param files     the new checkpoint's files: one for a single-file checkpoint, else its shards
     * @param indexJson the new index, or null for a single file
     */
    public static void replace(Path dir, String prefix, List<NewFile> files, IndexJson indexJson) {
        replace(dir, prefix, files, indexJson, Steps.NONE);
    }

    /** The same, telling {@code steps} of every change to the directory. */
    public static void replace(Path dir, String prefix, List<NewFile> files, IndexJson indexJson, Steps steps) {
        ShardSetReplacement r = new ShardSetReplacement(dir, prefix, steps);
        AtomicFile.removeOrphans(r.dir);
        try {
            if (indexJson == null) {
                r.replaceWithSingle(files.get(0));
            } else {
                r.replaceWithShards(files, indexJson);
            }
        } catch (IOException e) {
            throw IoErrors.io(dir.toString(), "cannot replace the checkpoint `" + prefix + "`", e);
        }
    }

    private void replaceWithSingle(NewFile file) throws IOException {
        AtomicFile.prepare(dir.resolve(single), file.body()).commit(List.of());
        steps.after("committed " + single);
        removeStale(Set.of(single));
    }

    private void replaceWithShards(List<NewFile> files, IndexJson indexJson) throws IOException {
        DirectoryLayout before = DirectoryLayout.forPrefix(dir, prefix);
        if (before instanceof DirectoryLayout.Unindexed unindexed && indexAsItIs(unindexed.files())) {
            before = new DirectoryLayout.Indexed(index);
        }
        Set<String> inUse = switch (before) {
            case DirectoryLayout.Single s -> Set.of(s.file());
            case DirectoryLayout.Indexed i -> shardsOf(i.index());
            case DirectoryLayout.Unindexed u -> Set.of();     // does not open as it is: nothing to keep
            case DirectoryLayout.Empty e -> Set.of();
        };
        String tag = HexFormat.of().toHexDigits(RANDOM.nextInt());
        Map<String, String> written = new LinkedHashMap<>();      // final name -> name written now
        for (NewFile f : files) {
            written.put(f.name(), inUse.contains(f.name()) ? ShardName.staged(f.name(), tag) : f.name());
        }
        Map<Path, Put> newShards = new LinkedHashMap<>();
        for (NewFile f : files) {
            newShards.put(dir.resolve(written.get(f.name())), p -> AtomicFile.prepare(p, f.body()).moveIntoPlace());
        }
        commitWithIndex(newShards, indexJson.forShards(written::get), before instanceof DirectoryLayout.Single);
        Set<String> keep = new HashSet<>(written.values());
        keep.add(index);
        removeStale(keep);
        // Names that collided: the final names join the staged ones, an index names them, the staged ones go.
        Map<Path, Put> finalNames = new LinkedHashMap<>();
        written.forEach((finalName, staged) -> {
            if (!finalName.equals(staged)) {
                finalNames.put(dir.resolve(finalName), p -> sameContent(p, dir.resolve(staged)));
            }
        });
        if (!finalNames.isEmpty()) {
            commitWithIndex(finalNames, indexJson.forShards(UnaryOperator.identity()), false);
            Set<String> finals = new HashSet<>(written.keySet());
            finals.add(index);
            removeStale(finals);
        }
    }

    /** Makes one new file of a checkpoint at {@code path}. */
    @FunctionalInterface
    private interface Put {
        void into(Path path) throws IOException;
    }

    /**
     * Puts {@code newFiles} in place, under names no reader looks at yet, and then commits the index that names
     * them; on a failure before the commit, the new files are removed again.
     */
    private void commitWithIndex(Map<Path, Put> newFiles, byte[] indexJson, boolean singleThere) throws IOException {
        List<Path> inFlight = new ArrayList<>();
        try {
            for (Map.Entry<Path, Put> f : newFiles.entrySet()) {
                InFlight.add(f.getKey());
                inFlight.add(f.getKey());
                f.getValue().into(f.getKey());
                steps.after("put " + f.getKey().getFileName() + " in place");
            }
            AtomicFile.syncDirectory(dir);      // their names are durable before the index names them
            commitIndex(indexJson, inFlight, singleThere);
        } catch (IOException | RuntimeException | Error e) {
            removeUncommitted(inFlight, e);
            throw e;
        }
        steps.after("committed " + index);
    }

    /** {@code name} with the content of {@code existing}: a hard link, or an atomic copy where there are none. */
    private static void sameContent(Path name, Path existing) throws IOException {
        Files.deleteIfExists(name);
        try {
            Files.createLink(name, existing);
        } catch (UnsupportedOperationException | FileSystemException e) {
            AtomicFile.prepare(name, ch -> {
                try (FileChannel in = FileChannel.open(existing, StandardOpenOption.READ)) {
                    long size = in.size();
                    for (long done = 0; done < size; ) {
                        done += in.transferTo(done, size - done, ch);
                    }
                }
            }).commit(List.of());
        }
    }

    /**
     * Puts the index in place: the commit. Readers switch to it at its rename, or, while the single file is
     * there (which beats any index), when that file is removed; {@code newFiles} are committed with that step.
     * When this returns normally, the commit has happened; when it throws, it has not.
     */
    private void commitIndex(byte[] json, List<Path> newFiles, boolean singleThere) throws IOException {
        Path target = dir.resolve(index);
        AtomicFile.Pending pending = AtomicFile.prepare(target, ch -> {
            ByteBuffer b = ByteBuffer.wrap(json);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
        if (!singleThere) {
            pending.commit(newFiles);
            return;
        }
        InFlight.add(target);
        try {
            pending.commit(List.of());
            steps.after("wrote " + index + " beside " + single);
            List<Path> committed = new ArrayList<>(newFiles);
            committed.add(target);
            InFlight.commit(committed, () -> Files.delete(dir.resolve(single)));
        } catch (IOException | RuntimeException | Error e) {
            removeUncommitted(List.of(target), e);
            throw e;
        }
        AtomicFile.syncDirectory(dir);
    }

    /**
     * A directory of shards without an index opens as the merge of all its files, which a new file would join.
     * When it opens, an index of exactly those files is committed first, which opens the same; false when it
     * does not open as it is (then there is nothing to keep) or readers would not merge its files.
     */
    private boolean indexAsItIs(List<String> files) throws IOException {
        if (!(DirectoryLayout.forOpening(dir) instanceof DirectoryLayout.Unindexed)) {
            return false;
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        long total = 0;
        try (ShardedCheckpoint current = ShardedCheckpoint.open(dir, OpenOptions.defaults())) {
            List<SafeTensorsFile> shards = current.shards();
            for (int i = 0; i < shards.size(); i++) {
                for (String name : shards.get(i).names()) {
                    weightMap.put(name, files.get(i));
                    total += shards.get(i).tensor(name).byteSize();
                }
            }
        } catch (SafeTensorsException broken) {
            return false;
        }
        byte[] json = ShardIndex.of(Map.of("total_size", total), weightMap).toJson().getBytes(StandardCharsets.UTF_8);
        commitIndex(json, List.of(), false);
        steps.after("indexed the files as they are");
        return true;
    }

    /** The shards the committed index names; none when it cannot be read (the old checkpoint does not open). */
    private Set<String> shardsOf(String indexName) {
        try {
            return Set.copyOf(ShardIndex.read(dir.resolve(indexName), OpenOptions.defaults().maxHeaderSize()).shards());
        } catch (SafeTensorsException unreadable) {
            return Set.of();
        }
    }

    /** Removes every file of the prefix outside {@code keep}: nothing a reader opens any more. */
    private void removeStale(Set<String> keep) throws IOException {
        for (String name : DirectoryLayout.list(dir)) {
            if (ShardName.isOfPrefix(name, prefix) && !keep.contains(name)) {
                try {
                    Files.deleteIfExists(dir.resolve(name));
                } catch (IOException e) {
                    throw IoErrors.io(dir.resolve(name).toString(), "the new checkpoint is in place, but this stale "
                            + "file of the old one cannot be removed", e);
                }
                steps.after("removed " + name);
            }
        }
        AtomicFile.syncDirectory(dir);
    }

    private static void removeUncommitted(List<Path> files, Throwable failure) {
        for (Path p : files) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
            InFlight.remove(p);
        }
    }
}
