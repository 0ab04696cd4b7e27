package dev.safetensors.hub;

import dev.safetensors.hub.internal.HubEnvironment;
import dev.safetensors.hub.internal.cache.CacheLayout;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Hugging Face cache on disk, laid out exactly as the Python client lays it out, so that files either tool
 * downloaded are found by the other:
 * <pre>
 * CACHE/models--org--name/blobs/ETAG                the bytes, named by their SHA-256 (large files) or git id
 * CACHE/models--org--name/snapshots/COMMIT/FILE     relative links into ../../blobs
 * CACHE/models--org--name/refs/main                 the commit the branch pointed at when last downloaded
 * </pre>
 * The folder is {@code HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}.
 *
 * <pre>{@code
 * HubCache cache = HubCache.fromEnvironment();
 * Optional<Path> weights = cache.find(HfUri.parse("hf://org/model/model.safetensors"));   // no network
 * }</pre>
 */
public final class HubCache {
    private final CacheLayout layout;

    HubCache(CacheLayout layout) {
        this.layout = layout;
    }

    /**
     * {@return the cache at {@code root}}
     *
     * @param root the folder holding the {@code models--org--name} folders
     */
    public static HubCache at(Path root) {
        return new HubCache(new CacheLayout(root));
    }

    /** {@return the cache the environment names, as the Python client finds it} */
    public static HubCache fromEnvironment() {
        return at(HubEnvironment.current().cache());
    }

    /** {@return the folder holding the {@code models--org--name} folders} */
    public Path root() {
        return layout.root();
    }

    /**
     * {@return the repository's folder ({@code models--org--name}), whether or not it exists}
     *
     * @param type   model, dataset or space
     * @param repoId {@code namespace/name}
     */
    public Path repoFolder(RepoType type, String repoId) {
        return layout.repo(type, repoId);
    }

    /**
     * {@return the commit the URI's revision means in this cache: itself when it is a commit, else its
     * {@code refs} entry}
     *
     * @param uri a repository, at a revision or the default branch
     */
    public Optional<String> commit(HfUri uri) {
        return layout.commitOf(uri);
    }

    /**
     * {@return the cached file or folder of the URI, at its revision: a path in {@code snapshots/COMMIT/}}
     *
     * @param uri a file or folder of a repository
     */
    public Optional<Path> find(HfUri uri) {
        return layout.cached(uri);
    }
}
