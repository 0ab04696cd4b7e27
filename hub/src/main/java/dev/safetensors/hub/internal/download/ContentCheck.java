package dev.safetensors.hub.internal.download;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a downloaded file must hash to, from the ETag the Hub gives it: a large (LFS) file's ETag is the SHA-256 of
 * its content, a small file's is its git blob id, the SHA-1 of {@code "blob SIZE\0"} followed by the content
 * ({@code hf_hub_url}'s notes in the Python client; git's object format). An ETag of another form is not a
 * content hash, and such a file cannot be verified.
 *
 * @param algorithm {@code SHA-256} or {@code SHA-1}
 * @param expected  the hash, lowercase hex
 * @param gitBlob   whether the git blob header is hashed first
 */
public record ContentCheck(String algorithm, String expected, boolean gitBlob) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");

    /** The check an ETag implies, if any. */
    public static Optional<ContentCheck> of(String etag) {
        if (etag == null) {
            return Optional.empty();
        }
        if (SHA256.matcher(etag).matches()) {
            return Optional.of(new ContentCheck("SHA-256", etag, false));
        }
        if (SHA1.matcher(etag).matches()) {
            return Optional.of(new ContentCheck("SHA-1", etag, true));
        }
        return Optional.empty();
    }

    /** A fresh digest primed for a file of {@code size} bytes. */
    public MessageDigest start(long size) {
        try {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            if (gitBlob) {
                md.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
            }
            return md;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JDK", e);
        }
    }

    /** Fails unless {@code actual} (lowercase hex) is the expected hash. */
    public void compare(String actual, String description) throws ChecksumMismatch {
        if (!actual.equals(expected)) {
            throw new ChecksumMismatch(description + ": the downloaded bytes have " + algorithm + " " + actual
                    + ", the Hub's ETag says " + expected + "; nothing was kept");
        }
    }

    /** The bytes are not the ones the ETag names. */
    public static final class ChecksumMismatch extends IOException {
        private static final long serialVersionUID = 1L;

        ChecksumMismatch(String message) {
            super(message);
        }
    }
}
