package dev.safetensors.torch.internal.checkpoint;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.ShardIndex;
import dev.safetensors.internal.io.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files a checkpoint path stands for: one file; an index ({@code pytorch_model.bin.index.json}) and
 * the shards it names; or a directory holding either, or numbered shards
 * ({@code pytorch_model-00001-of-00003.bin}, which must then form the whole set), or one checkpoint file.
 *
 * @param files the checkpoint files, in shard order
 * @param index the index, when there is one
 */
public record CheckpointFiles(List<Path> files, ShardIndex index) {
    private static final Pattern NUMBERED = Pattern.compile("(.*)-(\\d{5})-of-(\\d{5})\\.(bin|pt|pth)");
    private static final List<String> SUFFIXES = List.of(".bin", ".pt", ".pth", ".ckpt");

    public static CheckpointFiles resolve(Path path, long maxIndexBytes) {
        if (Files.isDirectory(path)) {
            List<Path> indexes = list(path, p -> isIndex(p.getFileName().toString()));
            Path standard = path.resolve("pytorch_model.bin.index.json");
            if (Files.isRegularFile(standard)) {
                return indexed(standard, maxIndexBytes);
            }
            if (indexes.size() > 1) {
                throw new SafeTensorsException(InvalidHeaderDeserialization, path.toString(), "the directory holds "
                        + indexes.size() + " checkpoint indexes; open one of them");
            }
            if (indexes.size() == 1) {
                return indexed(indexes.get(0), maxIndexBytes);
            }
            return directory(path);
        }
        if (isIndex(path.getFileName().toString())) {
            return indexed(path, maxIndexBytes);
        }
        return new CheckpointFiles(List.of(path), null);
    }

    /** Whether a name is a PyTorch checkpoint's index ({@code *.bin.index.json} and the like). */
    public static boolean isIndex(String name) {
        return SUFFIXES.stream().anyMatch(s -> name.endsWith(s + ".index.json"));
    }

    /** Whether a name ends like a PyTorch checkpoint file. */
    public static boolean hasCheckpointSuffix(String name) {
        return SUFFIXES.stream().anyMatch(name::endsWith);
    }

    private static CheckpointFiles indexed(Path indexFile, long maxIndexBytes) {
        ShardIndex index = ShardIndex.read(indexFile, maxIndexBytes);
        Path dir = indexFile.toAbsolutePath().getParent();
        List<Path> files = new ArrayList<>();
        for (String shard : index.shards().stream().sorted().toList()) {   // numbered names sort in shard order
            files.add(dir.resolve(shard));
        }
        return new CheckpointFiles(files, index);
    }

    private static CheckpointFiles directory(Path dir) {
        List<Path> found = list(dir, p -> hasCheckpointSuffix(p.getFileName().toString()) && Files.isRegularFile(p));
        boolean anyNumbered = found.stream().anyMatch(p -> NUMBERED.matcher(p.getFileName().toString()).matches());
        if (found.size() == 1 && !anyNumbered) {
            return new CheckpointFiles(found, null);
        }
        if (found.isEmpty()) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, dir.toString(), "the directory holds no "
                    + "PyTorch checkpoint (*.bin, *.pt, *.pth, *.ckpt) and no index");
        }
        TreeMap<Integer, Path> numbered = new TreeMap<>();
        String set = null;
        for (Path p : found) {
            Matcher m = NUMBERED.matcher(p.getFileName().toString());
            String thisSet = m.matches() ? m.group(1) + " of " + m.group(3) : null;
            if (thisSet == null || (set != null && !set.equals(thisSet))) {
                throw new SafeTensorsException(InvalidHeaderDeserialization, dir.toString(), "the directory holds "
                        + found.size() + " checkpoint files that are not one numbered set: open one, or the index");
            }
            set = thisSet;
            numbered.put(Integer.parseInt(m.group(2)), p);
        }
        int of = Integer.parseInt(set.substring(set.lastIndexOf(' ') + 1));
        List<String> missing = new ArrayList<>();
        for (int n = 1; n <= of; n++) {
            if (!numbered.containsKey(n)) {
                missing.add(String.format("%05d", n));
            }
        }
        if (!missing.isEmpty() || numbered.size() != of) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, dir.toString(), "shards " + missing
                    + " of " + of + " are missing" + (missing.isEmpty() ? " (numbers outside 1.." + of + ")" : ""));
        }
        return new CheckpointFiles(List.copyOf(numbered.values()), null);
    }

    private static List<Path> list(Path dir, java.util.function.Predicate<Path> filter) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(filter).sorted().toList();
        } catch (IOException e) {
            throw IoErrors.io(dir.toString(), "cannot list the directory", e);
        }
    }
}
