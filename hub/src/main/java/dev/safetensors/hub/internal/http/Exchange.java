package dev.safetensors.hub.internal.http;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One answered GET: the last response (after the redirects that were followed), the headers of those redirects
 * (the Hub puts {@code X-Repo-Commit} and {@code X-Linked-*} on its redirect to the file server), and the open
 * body, which the caller reads as far as it needs and closes.
 *
 * @param url       where the last response came from
 * @param status    its status: 200, 206, 416, or a redirect the caller asked to stop at
 * @param headers   its headers
 * @param redirects the headers of each redirect followed, in order
 * @param body      the body; closing it early abandons the rest of the transfer
 */
public record Exchange(URI url, int status, HttpHeaders headers, List<HttpHeaders> redirects, InputStream body)
        implements Closeable {

    /** A header of the last response. */
    public Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    /** A header of the Hub's own answer: the first redirect that carries it, else the last response. */
    public Optional<String> hubHeader(String name) {
        for (HttpHeaders h : redirects) {
            Optional<String> v = h.firstValue(name);
            if (v.isPresent()) {
                return v;
            }
        }
        return headers.firstValue(name);
    }

    /** {@code Content-Length} of the last response, when given and a number. */
    public OptionalLong contentLength() {
        return size(header("Content-Length"));
    }

    /**
     * A header value holding a byte count ({@code Content-Length}, {@code X-Linked-Size}), when it is one: digits only,
     * below 10^18. {@link HttpHeaders#firstValueAsLong} throws on anything else, and the value is the server's.
     */
    public static OptionalLong size(Optional<String> value) {
        return value.map(String::strip)
                .filter(v -> !v.isEmpty() && v.length() < 19 && v.chars().allMatch(c -> c >= '0' && c <= '9'))
                .map(v -> OptionalLong.of(Long.parseLong(v))).orElse(OptionalLong.empty());
    }

    /** Whether this is a redirect the caller stopped at. */
    public boolean isRedirect() {
        return status / 100 == 3;
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
