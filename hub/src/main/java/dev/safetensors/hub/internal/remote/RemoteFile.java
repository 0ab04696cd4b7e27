package dev.safetensors.hub.internal.remote;

import dev.safetensors.hub.internal.http.ContentRange;
import dev.safetensors.hub.internal.http.Exchange;
import dev.safetensors.hub.internal.http.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * What one GET of a file's first bytes tells: where its bytes are served from (after the Hub's redirect to its
 * file server), its size, its ETag and commit, and the bytes themselves. The Hub answers
 * {@code /resolve/REVISION/FILE} with {@code X-Repo-Commit}; for a large (LFS or Xet) file with a redirect
 * carrying {@code X-Linked-Etag} (the SHA-256 of the content) and {@code X-Linked-Size}; for a small file
 * directly, its {@code ETag} being the git blob id ({@code file_download.py}: {@code get_hf_file_metadata},
 * {@code hf_hub_url}). A plain HTTP server gives only its own {@code ETag}, if any.
 *
 * @param requested the address asked for
 * @param location  where the bytes come from (the last redirect's target); null when the probe stopped at the
 *                  redirect
 * @param size      the file's size in bytes
 * @param etag      the ETag without {@code W/} and quotes ({@code X-Linked-Etag} first), or null
 * @param commit    {@code X-Repo-Commit}, or null when the server is not a Hub
 * @param linked    whether the Hub said {@code X-Linked-Etag}: a large file whose ETag is its SHA-256
 * @param head      the first bytes of the file (possibly fewer than asked for, never more than the file)
 * @param ranged    whether the server answered the range as one ({@code 206}); one that sent the whole file
 *                  ({@code 200}) ignores ranges, and is read as one stream
 */
public record RemoteFile(URI requested, URI location, long size, String etag, String commit, boolean linked,
        byte[] head, boolean ranged) {

    /**
     * GETs the first {@code headBytes} bytes of {@code url} (the speculative read), retrying when the body
     * fails before they arrive.
     *
     * @param stopAt says, from a redirect's headers, to stop there (the bytes are cached locally); the result
     *               then has no location and no head
     */
    public static RemoteFile probe(Transport transport, URI url, int headBytes, Predicate<HttpHeaders> stopAt)
            throws IOException {
        for (int attempt = 0; ; attempt++) {
            try (Exchange x = transport.get(url, 0, headBytes - 1, stopAt)) {
                return from(url, x, headBytes);
            } catch (BodyCut e) {
                if (attempt >= transport.retry().maxRetries()) {
                    throw new IOException("the first " + headBytes + " bytes of " + Transport.describe(url)
                            + " never arrived whole: " + e.getMessage(), e);
                }
                transport.retry().pause(attempt, null);
            }
        }
    }

    private static RemoteFile from(URI url, Exchange x, int headBytes) throws IOException {
        String commit = x.hubHeader("X-Repo-Commit").map(String::strip).orElse(null);
        Optional<String> linkedEtag = x.hubHeader("X-Linked-Etag");
        String etag = normalizeEtag(linkedEtag.orElse(x.isRedirect() ? null : x.header("ETag").orElse(null)));
        OptionalLong linkedSize = Exchange.size(x.hubHeader("X-Linked-Size"));
        if (x.isRedirect()) {
            if (linkedSize.isEmpty()) {
                throw new IOException(Transport.describe(url) + " redirected without X-Linked-Size");
            }
            return new RemoteFile(url, null, linkedSize.getAsLong(), etag, commit, linkedEtag.isPresent(), new byte[0],
                    true);
        }
        long size;
        long available;
        switch (x.status()) {
            case 206 -> {
                long[] range = contentRange(x, url);
                if (range[0] != 0) {
                    throw new IOException(Transport.describe(x.url()) + " answered bytes from " + range[0]
                            + " to a request from byte 0");
                }
                size = range[2];
                available = range[1] + 1;
            }
            case 200 -> {
                size = x.contentLength().orElseThrow(() -> new IOException(Transport.describe(x.url())
                        + " gives no Content-Length, so the file's size is unknown"));
                available = size;
            }
            case 416 -> {
                long[] range = contentRange(x, url);
                if (range[2] != 0) {
                    throw new IOException(Transport.describe(x.url()) + " refused bytes 0.." + (headBytes - 1)
                            + " of a file of " + range[2] + " bytes");
                }
                size = 0;
                available = 0;
            }
            default -> throw new IOException("unexpected status " + x.status() + " from " + Transport.describe(x.url()));
        }
        if (linkedSize.isPresent() && linkedSize.getAsLong() != size) {
            throw new IOException("the Hub says " + Transport.describe(url) + " has " + linkedSize.getAsLong()
                    + " bytes (X-Linked-Size), its file server says " + size);
        }
        byte[] head = readUpTo(x.body(), (int) Math.min(headBytes, Math.min(available, size)));
        return new RemoteFile(url, x.url(), size, etag, commit, linkedEtag.isPresent(), head, x.status() != 200);
    }

    private static long[] contentRange(Exchange x, URI url) throws IOException {
        ContentRange r = ContentRange.parse(x.header("Content-Range").orElse(null));
        if (r == null || r.total() < 0) {
            throw new IOException(Transport.describe(x.url()) + " answered " + x.status() + " with Content-Range `"
                    + x.header("Content-Range").orElse("") + "`, which does not give the file's size");
        }
        return new long[] {r.first(), r.last(), r.total()};
    }

    private static byte[] readUpTo(InputStream in, int n) throws BodyCut {
        byte[] out = new byte[n];
        int got = 0;
        try {
            while (got < n) {
                int r = in.read(out, got, n - got);
                if (r < 0) {
                    break;
                }
                got += r;
            }
        } catch (IOException e) {
            throw new BodyCut(got + " of " + n + " bytes, then " + e.getMessage());
        }
        if (got < n) {
            throw new BodyCut(got + " of " + n + " bytes, then the body ended");
        }
        return out;
    }

    /** An ETag as a file name: {@code W/} and quotes removed ({@code _normalize_etag} in the Python client). */
    public static String normalizeEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e.isEmpty() ? null : e;
    }

    /** The file's first {@code n} bytes, when the probe holds them. */
    public Optional<byte[]> headOf(int n) {
        return head.length >= n ? Optional.of(Arrays.copyOf(head, n)) : Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RemoteFile f && f.requested.equals(requested) && java.util.Objects.equals(f.location, location)
                && f.size == size && java.util.Objects.equals(f.etag, etag) && java.util.Objects.equals(f.commit, commit)
                && f.linked == linked && Arrays.equals(f.head, head) && f.ranged == ranged;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(requested, location, size, etag, commit, linked, Arrays.hashCode(head), ranged);
    }

    @Override
    public String toString() {
        return "RemoteFile[" + Transport.describe(requested) + ", " + size + " bytes, etag " + etag + ", commit "
                + commit + "]";
    }

    /** The body ended before the first bytes arrived: worth another try. */
    private static final class BodyCut extends IOException {
        private static final long serialVersionUID = 1L;

        BodyCut(String message) {
            super(message);
        }
    }
}
