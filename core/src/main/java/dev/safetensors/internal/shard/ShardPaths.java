package dev.safetensors.internal.shard;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;
import static dev.safetensors.SafeTensorsException.Kind.IoError;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.io.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the files of a checkpoint directory may lead. A shard is named by a bare file name of the directory;
 * when it is a symbolic link, its target must stay inside the directory, or, for a snapshot of the Hugging
 * Face cache, inside the cache repository: the Python client lays a repository out as
 * {@code models--org--name/{blobs, refs, snapshots/<40-hex commit>/}} and every snapshot file is a relative
 * link {@code ../../blobs/<hash>}. Any other link is refused unless the caller allows it.
 *
 * <pre>{@code
 * ShardPaths paths = ShardPaths.of(Path.of("hub/models--org--name/snapshots/0123...cdef"), false, "index.json");
 * Path real = paths.resolve("model-00001-of-00002.safetensors");   // .../models--org--name/blobs/9f3c...
 * }</pre>
 */
public final class ShardPaths {
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern REPOSITORY = Pattern.compile("(models|datasets|spaces)--.+");

    private final Path dir;            // as given, for messages and for naming files
    private final Path boundary;       // real path that link targets must stay inside
    private final boolean cache;
    private final boolean outsideAllowed;
    private final String source;

    private ShardPaths(Path dir, Path boundary, boolean cache, boolean outsideAllowed, String source) {
        this.dir = dir;
        this.boundary = boundary;
        this.cache = cache;
        this.outsideAllowed = outsideAllowed;
        this.source = source;
    }

    /**
     * @param dir            the checkpoint's directory
     * @param outsideAllowed whether links may lead anywhere
     * @param source         what to name in messages (the index, or the directory)
     */
    public static ShardPaths of(Path dir, boolean outsideAllowed, String source) {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            throw IoErrors.io(dir.toString(), "cannot resolve the checkpoint directory", e);
        }
        Optional<Path> repository = cacheRepository(real);
        return new ShardPaths(dir, repository.orElse(real), repository.isPresent(), outsideAllowed, source);
    }

    /** The repository above {@code snapshots/<commit>/} when {@code dir} is (inside) a cache snapshot. */
    static Optional<Path> cacheRepository(Path dir) {
        for (Path a = dir; a != null && a.getParent() != null; a = a.getParent()) {
            Path snapshots = a.getParent();
            Path repository = snapshots.getParent();
            if (a.getFileName() != null && COMMIT.matcher(a.getFileName().toString()).matches()
                    && snapshots.getFileName() != null && snapshots.getFileName().toString().equals("snapshots")
                    && repository != null && repository.getFileName() != null
                    && REPOSITORY.matcher(repository.getFileName().toString()).matches()
                    && Files.isDirectory(repository.resolve("blobs"))) {
                return Optional.of(repository);
            }
        }
        return Optional.empty();
    }

    /** The directory as given. */
    public Path dir() {
        return dir;
    }

    /** {@code dir/name}, as given (for messages). */
    public Path named(String name) {
        return dir.resolve(name);
    }

    /**
     * The real path of the file {@code name} names in the directory, after the rules: a bare name, a file
     * that exists, a link that stays inside.
     *
     * @throws SafeTensorsException {@code InvalidHeaderDeserialization} for a name that is not bare or a link
     *         that leads out; {@code IoError} for a missing file or a dangling link
     */
    public Path resolve(String name) {
        checkBareName(name, source);
        Path p = dir.resolve(name);
        try {
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new SafeTensorsException(IoError, source, "shard `" + name + "` is missing from " + dir);
            }
            Path real = p.toRealPath();
            if (!outsideAllowed && !real.startsWith(boundary)) {
                throw new SafeTensorsException(InvalidHeaderDeserialization, source, "shard `" + name + "` is a link to "
                        + real + ", outside " + (cache ? "the cache repository " + boundary : dir.toString())
                        + "; OpenOptions.withLinksOutsideAllowed(true) follows such links");
            }
            return real;
        } catch (NoSuchFileException e) {
            throw new SafeTensorsException(IoError, source, "shard `" + name + "` is a link to a missing file ("
                    + e.getFile() + ")", e);
        } catch (IOException e) {
            throw IoErrors.io(source, "cannot resolve shard `" + name + "`", e);
        }
    }

    /** A shard must be a plain file name in the checkpoint's directory. */
    public static void checkBareName(String shard, String source) {
        boolean plain = !shard.isEmpty() && !shard.equals(".") && !shard.equals("..")
                && shard.chars().noneMatch(c -> c == '/' || c == '\\' || c == 0 || c == ':');
        if (!plain) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, source, "invalid index: shard `" + shard
                    + "` must be a bare file name in the index's directory (no separators, `..` or absolute paths)");
        }
    }
}
