package dev.safetensors.hub.internal.http;

import dev.safetensors.hub.HubHttpException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * GET requests as the Hub expects them, on {@link HttpClient}: redirects followed here rather than by the client,
 * so that the token goes only to the endpoint's own origin (scheme, host and port) and never to a file server
 * it redirects to, as the Python client drops {@code authorization} for a redirect to another host
 * ({@code file_download.py}, {@code _get_metadata_or_catch_error}); a redirect from https to http is refused.
 * {@code 429}, {@code 408}, {@code 5xx} and failures before the response arrives are retried with backoff
 * ({@link RetryPolicy}); any other error status becomes a {@link HubHttpException} carrying the Hub's
 * {@code X-Error-Code}.
 */
public final class Transport implements AutoCloseable {
    private static final int MAX_REDIRECTS = 10;
    private static final InputStream EMPTY = InputStream.nullInputStream();

    private final java.util.function.Supplier<HttpClient> clientFactory;
    private final boolean ownsClient;
    private volatile HttpClient client;   // made on first request: building one costs most of a second
    private final URI endpoint;
    private final String token;
    private final RetryPolicy retry;
    private final Duration timeout;
    private final String userAgent;
    private final boolean offline;
    private final StallWatchdog watchdog;

    /**
     * @param client    makes the HTTP client (once, on the first request); it must not follow redirects itself
     * @param ownsClient whether {@link #close()} closes the client
     * @param endpoint  the Hub endpoint: the only origin the token is sent to
     * @param token     the token, or null
     * @param timeout   the wait for response headers, and for each piece of a body
     * @param offline   refuse every request ({@code HF_HUB_OFFLINE})
     */
    public Transport(java.util.function.Supplier<HttpClient> client, boolean ownsClient, URI endpoint, String token,
            RetryPolicy retry, Duration timeout, String userAgent, boolean offline) {
        this.clientFactory = client;
        this.ownsClient = ownsClient;
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint must be non-null");
        this.token = token;
        this.retry = retry;
        this.timeout = timeout;
        this.userAgent = userAgent;
        this.offline = offline;
        this.watchdog = new StallWatchdog(timeout);
    }

    public URI endpoint() {
        return endpoint;
    }

    public RetryPolicy retry() {
        return retry;
    }

    public boolean offline() {
        return offline;
    }

    /** A GET of the whole resource. */
    public Exchange get(URI url) throws IOException {
        return get(url, -1, -1, h -> false);
    }

    /**
     * A GET, redirects followed, retried as {@link RetryPolicy} says.
     *
     * @param first        first byte of a range, or -1 for no {@code Range} header
     * @param last         last byte of the range (inclusive)
     * @param stopRedirect says, from a redirect's headers, to stop there and return it instead of following
     * @return a 200, 206 or 416 answer, or the redirect stopped at
     * @throws HubHttpException for any other status (after retries for the retryable ones)
     * @throws IOException      when the server cannot be reached (after retries), or when offline
     */
    public Exchange get(URI url, long first, long last, Predicate<HttpHeaders> stopRedirect) throws IOException {
        if (offline) {
            throw new IOException("the Hub is offline (HF_HUB_OFFLINE is set): no request to " + describe(url));
        }
        for (int attempt = 0; ; attempt++) {
            Exchange answer;
            try {
                answer = follow(url, first, last, stopRedirect);
            } catch (HubHttpException e) {
                throw e;
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                if (attempt >= retry.maxRetries()) {
                    throw new IOException("cannot reach " + describe(url) + " after " + (attempt + 1) + " tries: "
                            + reason(e), e);
                }
                retry.pause(attempt, null);
                continue;
            }
            if (!retryable(answer.status())) {
                return answer;
            }
            Duration retryAfter = retryAfter(answer.headers());
            answer.close();
            if (attempt >= retry.maxRetries()) {
                throw error(answer, "still failing after " + (attempt + 1) + " tries");
            }
            retry.pause(attempt, retryAfter);
        }
    }

    private Exchange follow(URI url, long first, long last, Predicate<HttpHeaders> stopRedirect) throws IOException {
        URI current = url;
        List<HttpHeaders> redirects = new ArrayList<>();
        for (int hop = 0; ; hop++) {
            HttpResponse<InputStream> r = send(current, first, last);
            int status = r.statusCode();
            Optional<String> location = r.headers().firstValue("Location");
            if (isRedirect(status) && location.isPresent()) {
                r.body().close();
                if (stopRedirect.test(r.headers())) {
                    return new Exchange(current, status, r.headers(), List.copyOf(redirects), EMPTY);
                }
                redirects.add(r.headers());
                if (hop >= MAX_REDIRECTS) {
                    throw new HubHttpException(status, null, describe(url), "more than " + MAX_REDIRECTS
                            + " redirects from " + describe(url));
                }
                current = next(current, location.get(), status);
                continue;
            }
            Exchange answer = new Exchange(current, status, r.headers(), List.copyOf(redirects),
                    watchdog.guard(r.body()));
            if (status == 200 || status == 206 || status == 416 || retryable(status)) {
                return answer;
            }
            answer.close();
            throw error(answer, null);
        }
    }

    private HttpResponse<InputStream> send(URI url, long first, long last) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).GET().timeout(timeout)
                .header("User-Agent", userAgent)
                .header("Accept-Encoding", "identity");   // sizes and ranges must be of the stored bytes
        if (first >= 0) {
            b.header("Range", "bytes=" + first + "-" + last);
        }
        if (token != null && sameOrigin(url, endpoint)) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return client().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while requesting " + describe(url));
        } catch (IllegalArgumentException e) {
            // HttpClient throws this for an answer it cannot parse (a Content-Length that is not a number): the
            // server's fault, reported as a failed exchange like any other.
            throw new IOException("a malformed answer from " + describe(url) + ": " + e.getMessage(), e);
        }
    }

    private URI next(URI current, String location, int status) throws HubHttpException {
        URI target;
        try {
            target = current.resolve(location.trim());
        } catch (IllegalArgumentException e) {
            throw new HubHttpException(status, null, describe(current), "a redirect from " + describe(current)
                    + " to an invalid address");
        }
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new HubHttpException(status, null, describe(current), "a redirect from " + describe(current)
                    + " to a " + scheme + ": address, which is not followed");
        }
        if (current.getScheme().equalsIgnoreCase("https") && scheme.equals("http")) {
            throw new HubHttpException(status, null, describe(current), "a redirect from " + describe(current)
                    + " to the unencrypted " + describe(target) + ", which is not followed");
        }
        return target;
    }

    /** Whether a request to {@code url} may carry the token: same scheme, host and port as the endpoint. */
    public static boolean sameOrigin(URI url, URI endpoint) {
        return url.getScheme() != null && url.getScheme().equalsIgnoreCase(endpoint.getScheme())
                && url.getHost() != null && url.getHost().equalsIgnoreCase(endpoint.getHost())
                && port(url) == port(endpoint);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static boolean retryable(int status) {
        return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    }

    private static Duration retryAfter(HttpHeaders h) {
        Optional<String> v = h.firstValue("Retry-After").map(String::strip);
        if (v.isPresent() && !v.get().isEmpty() && v.get().chars().allMatch(Character::isDigit) && v.get().length() < 10) {
            return Duration.ofSeconds(Long.parseLong(v.get()));
        }
        return null;   // an HTTP date is not honoured, as in the Python client
    }

    private HubHttpException error(Exchange answer, String note) {
        int status = answer.status();
        String code = answer.header("X-Error-Code").orElse(null);
        String serverMessage = answer.header("X-Error-Message").orElse(null);
        StringBuilder m = new StringBuilder().append(status).append(' ').append(phrase(status));
        if (code != null) {
            m.append(" (").append(code).append(')');
        }
        m.append(" for ").append(describe(answer.url()));
        if (serverMessage != null) {
            m.append(": ").append(serverMessage);
        }
        String hint = hint(status, code);
        if (hint != null) {
            m.append("; ").append(hint);
        }
        if (note != null) {
            m.append(" (").append(note).append(')');
        }
        return new HubHttpException(status, code, describe(answer.url()), m.toString());
    }

    private String hint(int status, String code) {
        if ("EntryNotFound".equals(code)) {
            return "the repository has no such file at this revision";
        }
        if ("RevisionNotFound".equals(code)) {
            return "the repository has no such branch, tag or commit";
        }
        if ("GatedRepo".equals(code)) {
            return "the repository is gated: accept its conditions on the Hub, then use a token (HF_TOKEN)";
        }
        if (status == 401 || "RepoNotFound".equals(code)) {
            return token == null
                    ? "the repository does not exist, or it is private or gated and needs a token (HF_TOKEN or the token file)"
                    : "the repository does not exist, or the token has no access to it";
        }
        if (status == 403) {
            return "the token lacks the permission";
        }
        return null;
    }

    private static String phrase(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 408 -> "Request Timeout";
            case 410 -> "Gone";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "HTTP error";
        };
    }

    /** An address fit for messages: no user information, no query (signed addresses keep credentials there). */
    public static String describe(URI u) {
        StringBuilder sb = new StringBuilder();
        if (u.getScheme() != null) {
            sb.append(u.getScheme()).append("://");
        }
        if (u.getHost() != null) {
            sb.append(u.getHost());
            if (u.getPort() >= 0) {
                sb.append(':').append(u.getPort());
            }
        }
        return sb.append(u.getRawPath() == null ? "" : u.getRawPath()).toString();
    }

    static String reason(IOException e) {
        String m = e.getMessage();
        String kind = e.getClass().getSimpleName();
        return m == null || m.isBlank() ? kind : kind.equals("IOException") ? m : kind + ": " + m;
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    c = clientFactory.get();
                    if (c.followRedirects() != HttpClient.Redirect.NEVER) {
                        throw new IllegalArgumentException("the HTTP client must not follow redirects itself: the"
                                + " token policy needs each hop (HttpClient.Redirect.NEVER)");
                    }
                    client = c;
                }
            }
        }
        return c;
    }

    @Override
    public void close() {
        watchdog.close();
        HttpClient c = client;
        if (ownsClient && c != null) {
            c.close();
        }
    }
}
