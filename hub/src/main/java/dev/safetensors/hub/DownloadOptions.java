package dev.safetensors.hub;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What to download from a repository and where to: include and exclude patterns over repository paths
 * (fnmatch-style as in the Python client's {@code allow_patterns} / {@code ignore_patterns}: {@code *} crosses
 * folders, a trailing {@code /} means a whole folder), a local folder instead of the cache, and a progress
 * listener. Immutable.
 *
 * <pre>{@code
 * DownloadOptions.defaults()
 *         .include("*.safetensors", "*.json")
 *         .exclude("original/")
 *         .localDir(Path.of("llama"))        // files at llama/PATH, as `hf download --local-dir llama`
 * }</pre>
 *
 * @param include  patterns a path must match one of (none: every path)
 * @param exclude  patterns a path must match none of
 * @param localDir the folder to put files in instead of the cache, or null
 * @param listener hears the progress
 */
public record DownloadOptions(List<String> include, List<String> exclude, Path localDir, DownloadListener listener) {
    private static final DownloadOptions DEFAULTS = new DownloadOptions(List.of(), List.of(), null,
            DownloadListener.none());

    /**
     * Copies the pattern lists.
     *
     * @throws NullPointerException when a list, a pattern or the listener is null
     */
    public DownloadOptions {
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
        listener = Objects.requireNonNull(listener, "listener must be non-null");
    }

    /** {@return everything, into the cache, quietly} */
    public static DownloadOptions defaults() {
        return DEFAULTS;
    }

    /**
     * {@return these options with more include patterns}
     *
     * @param patterns fnmatch-style patterns over repository paths
     */
    public DownloadOptions include(String... patterns) {
        return new DownloadOptions(plus(include, patterns), exclude, localDir, listener);
    }

    /**
     * {@return these options with more exclude patterns}
     *
     * @param patterns fnmatch-style patterns over repository paths
     */
    public DownloadOptions exclude(String... patterns) {
        return new DownloadOptions(include, plus(exclude, patterns), localDir, listener);
    }

    /**
     * {@return these options putting files at {@code dir/PATH}} The Python client's bookkeeping goes to
     * {@code dir/.cache/huggingface}.
     *
     * @param dir the folder, or null for the cache
     */
    public DownloadOptions localDir(Path dir) {
        return new DownloadOptions(include, exclude, dir, listener);
    }

    /**
     * {@return these options with another progress listener}
     *
     * @param newListener hears the progress; {@link DownloadListener#none()} for quiet
     */
    public DownloadOptions listener(DownloadListener newListener) {
        return new DownloadOptions(include, exclude, localDir, newListener);
    }

    private static List<String> plus(List<String> list, String... more) {
        List<String> out = new ArrayList<>(list);
        for (String p : more) {
            out.add(Objects.requireNonNull(p, "patterns must be non-null"));
        }
        return out;
    }
}
