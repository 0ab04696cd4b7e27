package dev.safetensors.quant.internal.detect;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.ShardIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which tensor files a checkpoint path has on disk: for detection that must work from an index alone
 * when its shards are absent (the quantized checkpoints' configs and indexes are small and often copied
 * without the weights).
 */
public final class CheckpointFiles {
    private CheckpointFiles() {
    }

    /** The index file of a directory or index path, if there is one. */
    public static Optional<Path> index(Path path) {
        if (!Files.isDirectory(path)) {
            return path.getFileName().toString().endsWith(".index.json") && Files.isRegularFile(path)
                    ? Optional.of(path) : Optional.empty();
        }
        Path standard = path.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(standard)) {
            return Optional.of(standard);
        }
        List<Path> found = list(path, ".safetensors.index.json");
        return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
    }

    /** The {@code *.safetensors} files of a directory. */
    public static List<Path> safetensors(Path dir) {
        return list(dir, ".safetensors");
    }

    /** The shards an index names that are not beside it. */
    public static List<String> missingShards(Path index, ShardIndex parsed) {
        Path dir = index.toAbsolutePath().getParent();
        return parsed.shards().stream().filter(s -> !Files.isRegularFile(dir.resolve(s))).toList();
    }

    private static List<Path> list(Path dir, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, dir.toString(),
                    "cannot list the directory: " + e.getMessage(), e);
        }
    }
}
