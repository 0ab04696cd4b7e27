package dev.safetensors.hub;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.hub.internal.HubContext;
import dev.safetensors.hub.internal.HubEnvironment;
import dev.safetensors.hub.internal.cache.CacheLayout;
import dev.safetensors.hub.internal.download.Downloads;
import dev.safetensors.hub.internal.http.ParallelRanges;
import dev.safetensors.hub.internal.http.RangeReader;
import dev.safetensors.hub.internal.http.RetryPolicy;
import dev.safetensors.hub.internal.http.Transport;
import dev.safetensors.hub.internal.remote.CheckpointOpener;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * A client for the Hugging Face Hub (or a server shaped like it): checkpoints read in place over HTTP ranges,
 * downloads into the cache the Python tools share, and that cache offline.
 *
 * <p>{@link #create()} takes everything from the environment as the Python client does ({@code HF_ENDPOINT},
 * {@code HF_TOKEN} or the token file, {@code HF_HOME} / {@code HF_HUB_CACHE}, {@code HF_HUB_OFFLINE}); the
 * {@link Builder} overrides any of it. The token goes only to the endpoint's own host. A client is safe to share
 * between threads; close it to release its connections.
 *
 * <pre>{@code
 * try (HubClient hub = HubClient.create();
 *      Checkpoint ckpt = hub.open(HfUri.parse("hf://mistralai/Mistral-7B-v0.1"))) {   // headers only
 *     Tensor head = ckpt.tensor("lm_head.weight");
 *     float[] rows = head.slice("0:8").toFloatArray();      // fetches just those bytes
 * }
 * Path snapshot = hub.download(HfUri.parse("hf://org/model"), DownloadOptions.defaults()
 *         .include("*.safetensors", "*.json"));             // the cache layout of the Python client
 * }</pre>
 */
public final class HubClient implements AutoCloseable {
    /** The first read of a file asks for this many bytes: most headers fit ({@code hf_api.py} asks for 100,001). */
    static final int SPECULATIVE_READ = 100_001;

    private final HubContext context;
    private final CheckpointOpener opener;
    private final Downloads downloads;

    private HubClient(Builder b) {
        HttpClient given = b.httpClient;
        Duration timeout = b.timeout;
        java.util.function.Supplier<HttpClient> http = given != null ? () -> given : () -> HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                // One TCP connection per range: parallel downloads need several connections, not HTTP/2 streams.
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        Transport transport = new Transport(http, given == null, b.endpoint, b.token, b.retry, b.timeout,
                userAgent(), b.offline);
        this.context = new HubContext(transport, new RangeReader(transport),
                new ParallelRanges(b.connections, b.chunkSize), new CacheLayout(b.cacheDir), SPECULATIVE_READ);
        this.opener = new CheckpointOpener(context);
        this.downloads = new Downloads(context);
    }

    /** {@return a client configured from the environment} */
    public static HubClient create() {
        return builder().build();
    }

    /** {@return a builder starting from the environment's settings} */
    public static Builder builder() {
        return new Builder(HubEnvironment.current());
    }

    /**
     * Opens a checkpoint in place: a {@code .safetensors} file, a {@code .json} index, or a repository or folder
     * (its {@code model.safetensors.index.json}, else its {@code model.safetensors}). Opening reads only headers
     * (at most two range requests per file); tensors and slices fetch their own bytes when read. Files the cache
     * holds are read from it.
     *
     * @throws dev.safetensors.SafeTensorsException {@code IoError} with a {@link HubHttpException} cause when
     *         the Hub refuses (missing file or repository, no access), or the reference's kind for a bad header
     * @param uri     a file, an index, or a repository or folder
     * @param options how to read it ({@link OpenOptions#maxHeaderSize()} bounds each header)
     * @return the open checkpoint; the caller closes it
     */
    public Checkpoint open(HfUri uri, OpenOptions options) {
        return opener.open(uri, options);
    }

    /**
     * Opens a checkpoint in place with {@link OpenOptions#defaults()}, as {@link #open(HfUri, OpenOptions)}.
     *
     * @param uri a file, an index, or a repository or folder
     * @return the open checkpoint; the caller closes it
     */
    public Checkpoint open(HfUri uri) {
        return open(uri, OpenOptions.defaults());
    }

    /**
     * {@return the headers and parameter counts of a checkpoint (as {@link #open} finds it), as the Python client's
     * {@code get_safetensors_metadata} reports them; no tensor byte is fetched}
     *
     * @param uri a file, an index, or a repository or folder
     * @throws dev.safetensors.SafeTensorsException as {@link #open(HfUri, OpenOptions)}
     */
    public SafetensorsMetadata metadata(HfUri uri) {
        try (Checkpoint c = open(uri, OpenOptions.defaults().withStrategy(dev.safetensors.ReadStrategy.PREAD))) {
            return SafetensorsMetadata.of(c);
        }
    }

    /**
     * Opens a checkpoint on any HTTP(S) server that honours {@code Range}: a safetensors file, or a
     * {@code .json} index whose shards lie beside it. The token is sent only to the endpoint's host.
     *
     * @param url     the file's or index's address
     * @param options how to read it
     * @return the open checkpoint; the caller closes it
     * @throws dev.safetensors.SafeTensorsException {@code IoError} when the server refuses, or the reference's
     *         kind for a bad header
     */
    public Checkpoint openUrl(URI url, OpenOptions options) {
        return opener.openUrl(url, options);
    }

    /**
     * Downloads a file, or the files of a repository or folder, into the cache (or {@code options}' local
     * folder) and returns where they are: the file's path in {@code snapshots/COMMIT/}, or the snapshot (or local)
     * folder. Files already there are not fetched again; an interrupted download resumes.
     *
     * @param uri     a file, or a repository or folder
     * @param options which files, where to, and who hears the progress
     * @return the file's or folder's path on disk
     * @throws dev.safetensors.SafeTensorsException {@code IoError} when the Hub refuses or a file cannot be
     *         written or verified
     */
    public Path download(HfUri uri, DownloadOptions options) {
        return downloads.download(uri, options);
    }

    /**
     * Downloads everything {@code uri} names into the cache, as {@link #download(HfUri, DownloadOptions)}.
     *
     * @param uri a file, or a repository or folder
     * @return the file's or folder's path on disk
     */
    public Path download(HfUri uri) {
        return download(uri, DownloadOptions.defaults());
    }

    /** {@return the cache this client reads and writes} */
    public HubCache cache() {
        return new HubCache(context.cache());
    }

    /** {@return the Hub's address} */
    public URI endpoint() {
        return context.endpoint();
    }

    /** {@return whether this client never touches the network} */
    public boolean offline() {
        return context.offline();
    }

    /** Releases the client's connections (not those of an HTTP client the caller gave). */
    @Override
    public void close() {
        context.transport().close();
    }

    private static String userAgent() {
        Properties p = new Properties();
        try (InputStream in = HubClient.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // the version only decorates the User-Agent
        }
        return "safetensors-java/" + p.getProperty("version", "unknown") + "; java/" + Runtime.version().feature();
    }

    /** Settings of a {@link HubClient}; each starts from the environment. */
    public static final class Builder {
        private URI endpoint;
        private String token;
        private Path cacheDir;
        private boolean offline;
        private Duration timeout;
        private RetryPolicy retry = RetryPolicy.DEFAULT;
        private int connections = 8;
        private long chunkSize = 16L << 20;
        private HttpClient httpClient;

        private Builder(HubEnvironment env) {
            this.endpoint = env.endpoint();
            this.token = env.token().orElse(null);
            this.cacheDir = env.cache();
            this.offline = env.offline();
            this.timeout = env.downloadTimeout();
        }

        /**
         * Sets the Hub's address ({@code HF_ENDPOINT}); the token goes only to its scheme, host and port.
         *
         * @param newEndpoint e.g. {@code https://huggingface.co}
         * @return this builder
         */
        public Builder endpoint(URI newEndpoint) {
            this.endpoint = HubEnvironment.endpoint(newEndpoint.toString());
            return this;
        }

        /**
         * Sets the token to send ({@code HF_TOKEN}).
         *
         * @param newToken the access token, or null to send none
         * @return this builder
         */
        public Builder token(String newToken) {
            this.token = HubEnvironment.cleanToken(newToken).orElse(null);
            return this;
        }

        /**
         * Sets the cache folder ({@code HF_HUB_CACHE}).
         *
         * @param dir the folder holding the {@code models--org--name} folders
         * @return this builder
         */
        public Builder cacheDir(Path dir) {
            this.cacheDir = Objects.requireNonNull(dir, "dir must be non-null");
            return this;
        }

        /**
         * Sets whether the client stays off the network and reads only the cache ({@code HF_HUB_OFFLINE}).
         *
         * @param newOffline true for no network
         * @return this builder
         */
        public Builder offline(boolean newOffline) {
            this.offline = newOffline;
            return this;
        }

        /**
         * Sets how long to wait for a connection, for response headers, and for each piece of a body (10 s).
         *
         * @param newTimeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException unless positive
         */
        public Builder timeout(Duration newTimeout) {
            if (!newTimeout.isPositive()) {
                throw new IllegalArgumentException("the timeout must be positive, got " + newTimeout);
            }
            this.timeout = newTimeout;
            return this;
        }

        /**
         * Retries after {@code 429}, {@code 5xx} and dropped connections: {@code retries} more tries, waiting
         * {@code firstDelay} doubling up to {@code maxDelay} (5, 1 s, 8 s: the Python client's backoff).
         *
         * @param retries    how many more tries, 0 for none
         * @param firstDelay the wait before the first retry
         * @param maxDelay   the longest wait
         * @return this builder
         */
        public Builder retries(int retries, Duration firstDelay, Duration maxDelay) {
            this.retry = new RetryPolicy(retries, firstDelay, maxDelay, RetryPolicy.DEFAULT.maxRetryAfter());
            return this;
        }

        /**
         * Sets how many requests may be in flight at once, over all files and threads (8).
         *
         * @param n at least 1
         * @return this builder
         * @throws IllegalArgumentException below 1
         */
        public Builder connections(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("connections must be at least 1, got " + n);
            }
            this.connections = n;
            return this;
        }

        /**
         * Sets the size large reads and downloads are split into for parallel requests (16 MiB).
         *
         * @param bytes at least 64 KiB
         * @return this builder
         * @throws IllegalArgumentException below 64 KiB
         */
        public Builder chunkSize(long bytes) {
            if (bytes < 1 << 16) {
                throw new IllegalArgumentException("the chunk size must be at least 64 KiB, got " + bytes);
            }
            this.chunkSize = bytes;
            return this;
        }

        /**
         * Sets an HTTP client of the caller's (proxy, TLS settings), which the caller closes; it must not follow
         * redirects itself ({@link HttpClient.Redirect#NEVER}).
         *
         * @param client the client to send every request through
         * @return this builder
         * @throws IllegalArgumentException when the client follows redirects
         */
        public Builder httpClient(HttpClient client) {
            if (client.followRedirects() != HttpClient.Redirect.NEVER) {
                throw new IllegalArgumentException("the HTTP client must not follow redirects itself: the token"
                        + " policy needs each hop (HttpClient.Redirect.NEVER)");
            }
            this.httpClient = client;
            return this;
        }

        /** {@return a client with these settings} */
        public HubClient build() {
            return new HubClient(this);
        }
    }
}
