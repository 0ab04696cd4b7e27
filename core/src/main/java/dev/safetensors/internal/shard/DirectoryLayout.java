package dev.safetensors.internal.shard;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;
import static dev.safetensors.SafeTensorsException.Kind.IoError;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.io.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a checkpoint directory holds, decided as transformers' {@code from_pretrained} decides it:
 *
 * <ol>
 *   <li>{@code model.safetensors}: that file alone (a single file beats an index, as in transformers);</li>
 *   <li>else {@code model.safetensors.index.json}, or the only {@code *.safetensors.index.json}: the indexed
 *       shards, unless the single file of that index's prefix is there, which again wins;</li>
 *   <li>else every {@code *.safetensors} file, merged (numbered sets must be complete).</li>
 * </ol>
 *
 * <p>The same rules, for one prefix, tell {@link ShardSetReplacement} what a directory opens as before it
 * replaces it, so every step of a replacement is judged by the rule readers apply.
 *
 * <pre>{@code
 * switch (DirectoryLayout.forOpening(dir)) {
 *     case DirectoryLayout.Single s -> ...   // s.file() = "model.safetensors"
 *     case DirectoryLayout.Indexed i -> ...  // i.index() = "model.safetensors.index.json"
 *     case DirectoryLayout.Unindexed u -> ...  // u.files(): every *.safetensors, sorted
 *     case DirectoryLayout.Empty e -> ...
 * }
 * }</pre>
 */
public sealed interface DirectoryLayout {
    String SUFFIX = ".safetensors";
    String INDEX_SUFFIX = ".safetensors.index.json";
    String DEFAULT_PREFIX = "model";

    /** One file holds the checkpoint. */
    record Single(String file) implements DirectoryLayout {
    }

    /** An index names the shards. */
    record Indexed(String index) implements DirectoryLayout {
    }

    /** No index: the directory's {@code *.safetensors} files, in name order. */
    record Unindexed(List<String> files) implements DirectoryLayout {
    }

    /** Nothing a reader would open. */
    record Empty() implements DirectoryLayout {
    }

    /** The layout a reader of the directory finds. */
    static DirectoryLayout forOpening(Path dir) {
        List<String> names = list(dir);
        if (names.contains(DEFAULT_PREFIX + SUFFIX)) {
            return new Single(DEFAULT_PREFIX + SUFFIX);
        }
        if (names.contains(DEFAULT_PREFIX + INDEX_SUFFIX)) {
            return new Indexed(DEFAULT_PREFIX + INDEX_SUFFIX);
        }
        List<String> indexes = names.stream().filter(n -> n.endsWith(INDEX_SUFFIX)).toList();
        if (indexes.size() > 1) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, dir.toString(), "invalid index: the directory "
                    + "holds " + indexes.size() + " index files; open one of them");
        }
        if (indexes.size() == 1) {
            return forPrefix(names, indexes.get(0).substring(0, indexes.get(0).length() - INDEX_SUFFIX.length()));
        }
        return files(names);
    }

    /** The layout a reader finds for the checkpoint of {@code prefix} ({@code model} for the usual names). */
    static DirectoryLayout forPrefix(Path dir, String prefix) {
        return forPrefix(list(dir), prefix);
    }

    private static DirectoryLayout forPrefix(List<String> names, String prefix) {
        if (names.contains(prefix + SUFFIX)) {
            return new Single(prefix + SUFFIX);
        }
        if (names.contains(prefix + INDEX_SUFFIX)) {
            return new Indexed(prefix + INDEX_SUFFIX);
        }
        return files(names);
    }

    private static DirectoryLayout files(List<String> names) {
        List<String> files = names.stream().filter(n -> n.endsWith(SUFFIX)).toList();
        return files.isEmpty() ? new Empty() : new Unindexed(files);
    }

    /** The names in {@code dir} that are not directories, sorted. */
    static List<String> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw IoErrors.io(dir.toString(), "cannot list the directory", e);
        }
    }

    /** The error for a directory without a checkpoint. */
    static SafeTensorsException empty(Path dir) {
        return new SafeTensorsException(IoError, dir.toString(),
                "no *.safetensors file and no *.safetensors.index.json in the directory");
    }
}
