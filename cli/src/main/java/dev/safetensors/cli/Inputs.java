package dev.safetensors.cli;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.hub.DownloadOptions;
import dev.safetensors.hub.HfUri;
import dev.safetensors.hub.HubClient;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a PATH on the command line stands for, the same for every command: a safetensors file, a
 * {@code *.safetensors.index.json}, or a directory of shards (with its index, or its {@code *.safetensors}
 * files); or an {@code hf://} or {@code https://} address of any of those. Opening goes through {@link Checkpoint#open}, so a sharded input is checked both ways, index
 * against shards, exactly as the library does.
 */
final class Inputs {
    static final String INDEX_SUFFIX = ".safetensors.index.json";
    /** transformers' shard names; a directory of them without an index is one checkpoint. */
    private static final Pattern REMOTE = Pattern.compile("(?is)(hf|https?)://.+");
    private static final Pattern NUMBERED_SHARD = Pattern.compile(".*-\\d{5}-of-\\d{5}\\.safetensors");

    private Inputs() {
    }

    /** {@code path} as one checkpoint: a file, an index, or a directory. */
    static Checkpoint open(Path path, OpenOptions options) {
        return Checkpoint.open(path, options);
    }

    /**
     * A command-line input as one checkpoint: a local file, index or directory, or an {@code hf://} or
     * {@code http(s)://} address, which core opens through safetensors-hub: only headers are fetched, and each
     * tensor or slice read fetches just its bytes.
     */
    static Checkpoint open(String input, OpenOptions options) {
        return remote(input) ? Checkpoint.open(uri(input), options) : open(Path.of(input), options);
    }

    /**
     * {@link #open(String, OpenOptions)}, and a local PyTorch checkpoint too, for the commands that read values
     * (stats, diff, report): it is converted into a temporary safetensors file first, read without running
     * anything in it ({@link TorchInput#asSafetensors}).
     */
    static Checkpoint openAny(String input, OpenOptions options) {
        return TorchInput.isLocal(input) ? TorchInput.asSafetensors(Path.of(input), options) : open(input, options);
    }

    /**
     * A command-line input as a local path, for the commands that read a checkpoint together with the configs
     * beside it (quantize, dequantize): a local path as it is; an {@code hf://} address downloaded into the Hub
     * cache first (its safetensors files and JSON files only: weights, index and configs, not other formats),
     * with a progress bar, and the path of what it names there. Other addresses cannot bring their configs along.
     *
     * <p>For an hf:// input, {@code out}, the command's output directory, must not be inside the Hub cache: written there, the
     * output would replace a snapshot's files (their links to the blobs), and every later read of that
     * repository from the cache would get the output instead of what the Hub holds.
     *
     * @throws SafeTensorsException {@code IoError} for an address that is not an hf:// one, or a failed download
     * @throws IllegalArgumentException when {@code out} is inside the Hub cache (a usage error)
     */
    static Path local(String input, Path out, Main main) {
        if (!remote(input)) {
            return Path.of(input);
        }
        if (!input.regionMatches(true, 0, "hf://", 0, 5)) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, input, "only a local path or an hf:// "
                    + "address can be read with its configs; download the checkpoint first");
        }
        HfUri uri;
        try {
            uri = HfUri.parse(input);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, input, e.getMessage());
        }
        // Include patterns match paths from the repository's root, so a file's pattern carries its folder; the
        // folder is downloaded as a folder (a path with a trailing slash would name no folder of the repository).
        String path = uri.path();
        boolean index = path.endsWith(INDEX_SUFFIX);
        boolean file = path.endsWith(".safetensors") || path.endsWith(".json");
        int slash = path.lastIndexOf('/');
        String name = path.substring(slash + 1);
        String folderPath = file ? (slash < 0 ? "" : path.substring(0, slash)) : path;
        String under = folderPath.isEmpty() ? "" : glob(folderPath) + "/";
        // An index brings the shards beside it; a single file only itself.
        String[] include = file && !index ? new String[] {under + glob(name), under + "*.json"}
                : new String[] {under + "*.safetensors", under + "*.json"};
        DownloadOptions options = DownloadOptions.defaults().include(include)
                .listener(new DownloadProgress(main.progress("download", 0, Progress.Unit.BYTES)));
        try (HubClient hub = HubClient.create()) {
            Path cache = hub.cache().root();
            if (inside(out, cache)) {
                throw new IllegalArgumentException("the output " + out + " is inside the Hub cache (" + cache
                        + "): the cache's snapshots must keep what the Hub holds; write the output elsewhere");
            }
            Path folder = hub.download(file ? uri.withPath(folderPath) : uri, options);
            return file ? folder.resolve(name) : folder;
        }
    }

    /** Whether {@code path} is {@code folder} or below it, links resolved as far as the path exists. */
    private static boolean inside(Path path, Path folder) {
        return real(path).startsWith(real(folder));
    }

    private static Path real(Path path) {
        Path p = path.toAbsolutePath().normalize();
        Path rest = p.getFileSystem().getPath("");
        while (p != null) {
            try {
                return p.toRealPath().resolve(rest);
            } catch (IOException e) {
                rest = p.getFileName().resolve(rest);   // not there (yet): resolve what is
                p = p.getParent();
            }
        }
        return path.toAbsolutePath().normalize();
    }

    /** {@code text} as a download pattern that matches just itself: {@code *}, {@code ?} and {@code [} in sets. */
    private static String glob(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            if (c == '*' || c == '?' || c == '[') {
                sb.append('[').append(c).append(']');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Whether the input is an address ({@code hf://}, {@code http://}, {@code https://}) rather than a path. */
    static boolean remote(String input) {
        return REMOTE.matcher(input).matches();
    }

    // hf:// text is written unencoded (as the Python tools write it): the URI constructor quotes what a URI
    // cannot hold. An http(s) address is taken as the caller wrote it.
    private static URI uri(String input) {
        try {
            return input.regionMatches(true, 0, "hf:", 0, 3) ? new URI("hf", input.substring(3), null) : new URI(input);
        } catch (URISyntaxException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, input, "not a valid address: " + e.getReason());
        }
    }

    /** The safetensors files of a checkpoint: the file itself, or its shards in index (or name) order. */
    static List<SafeTensorsFile> files(Checkpoint checkpoint) {
        return checkpoint instanceof ShardedCheckpoint sharded ? sharded.shards() : List.of((SafeTensorsFile) checkpoint);
    }

    /** The paths of the safetensors files {@code path} stands for, after checking it opens as a checkpoint. */
    static List<Path> filePaths(Path path) {
        try (Checkpoint c = open(path, OpenOptions.defaults())) {
            return files(c).stream().map(f -> Path.of(f.description())).toList();
        }
    }

    /**
     * What {@code validate PATH} checks, each to be opened with {@link #open}: a file or an index as given;
     * below a directory, every {@code *.safetensors} file, every index (which checks the shards it names
     * both ways), and every directory of numbered shards without an index (which checks the set is complete).
     * Sorted, so a directory's line comes before its files' lines.
     */
    static List<String> toValidate(String input) {
        return remote(input) ? List.of(input) : toValidate(Path.of(input)).stream().map(Path::toString).toList();
    }

    private static List<Path> toValidate(Path path) {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        List<Path> targets = new ArrayList<>();
        Map<Path, boolean[]> seen = new HashMap<>();   // directory -> {has numbered shards, has an index}
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    String name = file.getFileName().toString();
                    boolean index = name.endsWith(INDEX_SUFFIX);
                    if ((index || name.endsWith(".safetensors")) && !Files.isDirectory(file)) {
                        targets.add(file);
                        boolean[] flags = seen.computeIfAbsent(file.getParent(), d -> new boolean[2]);
                        flags[0] |= NUMBERED_SHARD.matcher(name).matches();
                        flags[1] |= index;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    targets.add(file);   // opening it gives the reason as a verdict
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            targets.add(path);
        }
        seen.forEach((dir, flags) -> {
            if (flags[0] && !flags[1]) {
                targets.add(dir);
            }
        });
        return targets.stream().distinct().sorted().toList();
    }
}
