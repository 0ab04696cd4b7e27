package dev.safetensors.hub.internal.download;

import dev.safetensors.hub.internal.cache.CacheWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A download folder ({@code --local-dir}) kept as the Python client keeps one ({@code _local_folder.py}): each file
 * at {@code DIR/PATH}, and beside the files {@code DIR/.cache/huggingface/download/PATH.metadata} holding the
 * commit, the ETag and the time it was written (a later download skips a file whose ETag matches and which was
 * not modified since), {@code PATH.lock} as the lock, a {@code .gitignore} of {@code *} and a cache directory tag.
 */
record LocalFolder(Path root) {

    Path file(String path) {
        return root.resolve(path);
    }

    Path bookkeeping() {
        return root.resolve(".cache").resolve("huggingface");
    }

    Path metadata(String path) {
        return bookkeeping().resolve("download").resolve(path + ".metadata");
    }

    Path lock(String path) {
        return bookkeeping().resolve("download").resolve(path + ".lock");
    }

    /**
     * Where the temp files of {@code path} go: the download folder, named as the Python client names them (a hash,
     * then the ETag) but hashing the whole path, so that two files of equal content never share a temp file.
     */
    Path tempStem(String path, String etag) {
        return bookkeeping().resolve("download").resolve(pathHash(path) + "." + etag);
    }

    /** Whether {@code DIR/PATH} is the file with this ETag, untouched since its metadata was written. */
    boolean upToDate(String path, String etag) {
        try {
            Path meta = metadata(path);
            Path file = file(path);
            if (etag == null || !Files.isRegularFile(meta) || !Files.isRegularFile(file)) {
                return false;
            }
            List<String> lines = Files.readAllLines(meta, StandardCharsets.UTF_8);
            if (lines.size() < 3 || !lines.get(1).strip().equals(etag)) {
                return false;
            }
            double written = Double.parseDouble(lines.get(2).strip());
            // As the Python client: the file's mtime may lag the recorded time by up to a second.
            return Files.getLastModifiedTime(file).toMillis() / 1000.0 - 1 <= written;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Records that {@code DIR/PATH} now holds the file of this commit and ETag. */
    void record(String path, String commit, String etag) throws IOException {
        prepare();
        double now = System.currentTimeMillis() / 1000.0;
        CacheWriter.writeAtomically(metadata(path), commit + "\n" + etag + "\n" + String.format(Locale.ROOT, "%.3f", now)
                + "\n");
    }

    /** The {@code .cache/huggingface} folder with its {@code .gitignore} and tag. */
    void prepare() throws IOException {
        Path dir = bookkeeping();
        Files.createDirectories(dir.resolve("download"));
        Path gitignore = dir.resolve(".gitignore");
        if (!Files.exists(gitignore)) {
            CacheWriter.writeAtomically(gitignore, "*");
        }
        CacheWriter.tag(dir);
    }

    /** URL-safe base64 of the SHA-1, as the Python client's {@code _short_hash}. */
    private static String pathHash(String name) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-1").digest(name.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().encodeToString(sha);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
