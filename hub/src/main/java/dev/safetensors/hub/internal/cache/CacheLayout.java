package dev.safetensors.hub.internal.cache;

import dev.safetensors.hub.HfUri;
import dev.safetensors.hub.RepoType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the Python client keeps each thing in its cache ({@code file_download.py}: {@code hf_hub_download},
 * {@code repo_folder_name}, {@code _cache_commit_hash_for_specific_revision}, {@code try_to_load_from_cache};
 * {@code docs/source/en/guides/manage-cache.md}):
 * <pre>
 * ROOT/models--org--name/blobs/ETAG                      the file's bytes, named by its ETag (SHA-256 or git id)
 * ROOT/models--org--name/snapshots/COMMIT/PATH           a relative link to ../../blobs/ETAG (one ../ more per folder)
 * ROOT/models--org--name/refs/REVISION                   the commit a branch or tag pointed at, no newline
 * ROOT/.locks/models--org--name/ETAG.lock                the lock held while the blob is written
 * </pre>
 * ETags and commits come from the server, so both are checked to be plain names before they become paths.
 */
public record CacheLayout(Path root) {
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_.+=-]{1,200}");

    /** {@code models--org--name}. */
    public static String folderName(RepoType type, String repoId) {
        return type.plural() + "--" + repoId.replace("/", "--");
    }

    public Path repo(RepoType type, String repoId) {
        return root.resolve(folderName(type, repoId));
    }

    public Path blob(RepoType type, String repoId, String etag) {
        return repo(type, repoId).resolve("blobs").resolve(checkEtag(etag));
    }

    public Path snapshot(RepoType type, String repoId, String commit) {
        return repo(type, repoId).resolve("snapshots").resolve(checkCommit(commit));
    }

    /** {@code snapshots/COMMIT/PATH}: the path the Python client (and every tool on top of it) looks at. */
    public Path pointer(RepoType type, String repoId, String commit, String path) {
        return snapshot(type, repoId, commit).resolve(path);
    }

    public Path ref(RepoType type, String repoId, String revision) {
        return repo(type, repoId).resolve("refs").resolve(revision);
    }

    public Path lock(RepoType type, String repoId, String etag) {
        return root.resolve(".locks").resolve(folderName(type, repoId)).resolve(checkEtag(etag) + ".lock");
    }

    /**
     * The commit a revision means here: itself when it is a commit hash, else what {@code refs/REVISION} says
     * (written by whichever tool downloaded last).
     */
    public Optional<String> commitOf(HfUri uri) {
        String revision = uri.revisionOrDefault();
        if (COMMIT.matcher(revision).matches()) {
            return Optional.of(revision);
        }
        Path ref = ref(uri.type(), uri.repoId(), revision);
        try {
            if (!Files.isRegularFile(ref)) {
                return Optional.empty();
            }
            String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            return COMMIT.matcher(commit).matches() ? Optional.of(commit) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The snapshot entry for the URI's path at its revision, when the cache holds it (a file or a folder). */
    public Optional<Path> cached(HfUri uri) {
        return commitOf(uri).map(c -> pointer(uri.type(), uri.repoId(), c, uri.path()))
                .filter(p -> Files.exists(p) || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS));
    }

    /** Whether an ETag can name a file: letters, digits and {@code _ . + = -}, not {@code .} or {@code ..}. */
    public static boolean safeEtag(String etag) {
        return etag != null && SAFE_NAME.matcher(etag).matches() && !etag.equals(".") && !etag.equals("..");
    }

    public static boolean isCommit(String s) {
        return s != null && COMMIT.matcher(s).matches();
    }

    private static String checkEtag(String etag) {
        if (!safeEtag(etag)) {
            throw new IllegalArgumentException("the server's ETag `" + etag + "` cannot name a cache file");
        }
        return etag;
    }

    private static String checkCommit(String commit) {
        if (!isCommit(commit)) {
            throw new IllegalArgumentException("`" + commit + "` is not a commit hash (40 hex digits)");
        }
        return commit;
    }
}
