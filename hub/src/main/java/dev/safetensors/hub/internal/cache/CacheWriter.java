package dev.safetensors.hub.internal.cache;

import dev.safetensors.hub.RepoType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The writes that make a downloaded blob visible, each atomic (made under a temp name, renamed into place), in the
 * order the Python client keeps: the snapshot entry (a relative link, so the cache can move) before the
 * {@code refs} entry naming its commit, because the Python cache scanner reports a ref to a missing snapshot as a
 * corrupted cache ({@code utils/_cache_manager.py}: {@code _scan_cached_repo}). Where links cannot be made (some
 * Windows setups) the snapshot entry is a copy, as the Python client falls back to.
 */
public final class CacheWriter {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String TAG = "Signature: 8a477f597d28d172789f06886806bc55\n"
            + "# This file is a cache directory tag created by safetensors-java (and read by huggingface_hub).\n"
            + "# For information about cache directory tags, see https://bford.info/cachedir/\n";

    private final CacheLayout layout;

    public CacheWriter(CacheLayout layout) {
        this.layout = layout;
    }

    /** {@code snapshots/COMMIT/PATH} → {@code ../../blobs/ETAG}; an existing entry is replaced. */
    public Path link(RepoType type, String repoId, String commit, String path, String etag) throws IOException {
        Path pointer = layout.pointer(type, repoId, commit, path);
        Path blob = layout.blob(type, repoId, etag);
        Files.createDirectories(pointer.getParent());
        Path temp = pointer.resolveSibling("." + pointer.getFileName() + "." + random() + ".tmp");
        try {
            try {
                Files.createSymbolicLink(temp, pointer.getParent().relativize(blob));
            } catch (UnsupportedOperationException | FileSystemException e) {
                if (e instanceof FileAlreadyExistsException) {
                    throw e;
                }
                Files.copy(blob, temp, StandardCopyOption.REPLACE_EXISTING);
            }
            rename(temp, pointer);
        } finally {
            Files.deleteIfExists(temp);
        }
        return pointer;
    }

    /** {@code refs/REVISION} = commit, unless the revision is the commit or the ref already says so. */
    public void ref(RepoType type, String repoId, String revision, String commit) throws IOException {
        if (revision.equals(commit)) {
            return;
        }
        Path ref = layout.ref(type, repoId, revision);
        if (Files.isRegularFile(ref, LinkOption.NOFOLLOW_LINKS)
                && Files.readString(ref, StandardCharsets.UTF_8).equals(commit)) {
            return;
        }
        writeAtomically(ref, commit);
    }

    /** {@code CACHEDIR.TAG} in the cache root, so backup tools skip it (as the Python client marks it). */
    public void tagCache() throws IOException {
        tag(layout.root());
    }

    /** A cache directory tag in {@code dir}, unless one is there. */
    public static void tag(Path dir) throws IOException {
        Path tag = dir.resolve("CACHEDIR.TAG");
        if (!Files.exists(tag)) {
            Files.createDirectories(dir);
            writeAtomically(tag, TAG);
        }
    }

    /** {@code target} holds exactly {@code text} or its old content, never a mixture. */
    public static void writeAtomically(Path target, String text) throws IOException {
        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling(target.getFileName() + "." + random() + ".tmp");
        try {
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            rename(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void rename(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String random() {
        return HexFormat.of().toHexDigits(RANDOM.nextInt());
    }
}
