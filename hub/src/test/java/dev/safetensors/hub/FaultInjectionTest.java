package dev.safetensors.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.Checkpoint;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.hub.testing.FaultProxy;
import dev.safetensors.hub.testing.HubServer;
import dev.safetensors.hub.testing.NeedsNginx;
import dev.safetensors.hub.testing.Nginx;
import dev.safetensors.hub.testing.TestCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A proxy between the client and the file server breaks things on purpose: cut connections resume, 429 and 503
 * are retried until the budget is spent, short bodies and wrong bytes are errors that leave nothing in the cache,
 * a server that ignores Range is read as one stream (never buffered whole), and a stalled body is abandoned.
 */
@ExtendWith(NeedsNginx.class)
class FaultInjectionTest {
    static final int CHUNK = 1 << 20;
    static final byte[] BLOB = TestCheckpoints.noise(4 * CHUNK + 12345, 7);
    static final String FILE = "hf://org/faulty/weights.bin";
    static final int RETRIES = 3;
    @TempDir
    static Path dir;
    static HubServer server;
    static FaultProxy proxy;
    Path cache;

    @BeforeAll
    static void start() throws Exception {
        if (!Nginx.installed()) {
            return;   // each test then says why it is skipped
        }
        int cdn = Nginx.freePort();
        proxy = FaultProxy.start(cdn);
        server = HubServer.builder(dir.resolve("www")).fileServerPort(cdn)
                .redirectBase("http://localhost:" + proxy.port())
                .repo("org/faulty", r -> r.lfs("weights.bin", BLOB)
                        .lfs("model.safetensors", TestCheckpoints.file("w", 4096, 4096)))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server == null) {
            return;
        }
        server.close();
        proxy.close();
    }

    @BeforeEach
    void freshCache(@TempDir Path c) {
        cache = c;
    }

    HubClient client(Duration timeout) {
        return server.client(cache).chunkSize(CHUNK).connections(2).timeout(timeout)
                .retries(RETRIES, Duration.ofMillis(5), Duration.ofMillis(20)).build();
    }

    Path download() {
        try (HubClient hub = client(Duration.ofSeconds(10))) {
            return hub.download(HfUri.parse(FILE));
        }
    }

    @Test
    void aConnectionCutMidBodyResumesFromTheLastByte() throws Exception {
        long cutAt = 300_000;
        proxy.rule(r -> r.index() == 2 ? new FaultProxy.CutAfter(cutAt) : new FaultProxy.Pass());
        Path p = download();
        assertThat(Files.readAllBytes(p)).isEqualTo(BLOB);
        FaultProxy.Request cut = proxy.requests().get(2);
        long start = Long.parseLong(cut.header("range").replaceAll("bytes=(\\d+)-.*", "$1"));
        // The retry asks for the rest of that range only: from the last byte that arrived (the cut may lose what
        // was still in flight), not from the range's start.
        assertThat(proxy.requests()).anyMatch(r -> {
            long from = Long.parseLong(r.header("range").replaceAll("bytes=(\\d+)-.*", "$1"));
            return from > start && from <= start + cutAt && r.header("range").endsWith("-" + (start + CHUNK - 1));
        });
    }

    @Test
    void tooManyRequestsAndUnavailableAreRetried() throws Exception {
        proxy.rule(r -> switch (r.index()) {
            case 0 -> new FaultProxy.Status(503, Map.of());
            case 1 -> new FaultProxy.Status(429, Map.of("Retry-After", "0"));
            case 3 -> new FaultProxy.Status(503, Map.of());
            default -> new FaultProxy.Pass();
        });
        assertThat(Files.readAllBytes(download())).isEqualTo(BLOB);
        assertThat(proxy.requests().size()).isGreaterThanOrEqualTo(4 + 3);
    }

    @Test
    void aServerThatKeepsFailingGivesAClearErrorAfterTheBudget() throws Exception {
        proxy.rule(r -> new FaultProxy.Status(503, Map.of()));
        assertThatThrownBy(this::download)
                .isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining(FILE)
                .hasMessageContaining("503")
                .hasMessageContaining("after " + (RETRIES + 1) + " tries");
        assertThat(proxy.requests()).hasSize(RETRIES + 1);
        assertNothingCached();
    }

    @Test
    void aBodyShorterThanPromisedIsAnErrorAndLeavesNothing() throws Exception {
        proxy.rule(r -> new FaultProxy.EndFileAt(BLOB.length - 1000));
        assertThatThrownBy(this::download)
                .isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining(FILE)
                .hasMessageContaining("stuck at byte " + (BLOB.length - 1000));
        assertNothingCached();
    }

    @Test
    void wrongBytesFailTheChecksumAndLeaveNothing() throws Exception {
        proxy.rule(r -> new FaultProxy.Corrupt(3 * CHUNK + 17));
        assertThatThrownBy(this::download)
                .isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("SHA-256")
                .hasMessageContaining(HubServer.sha256(BLOB));
        assertNothingCached();
    }

    @Test
    void aServerIgnoringRangeIsReadAsOneStream() throws Exception {
        proxy.rule(r -> new FaultProxy.IgnoreRange());
        assertThat(Files.readAllBytes(download())).isEqualTo(BLOB);
        // The probe, then one stream: not one whole file per chunk.
        assertThat(proxy.requests()).hasSize(2);
        assertThat(proxy.delivered()).isLessThanOrEqualTo(2L * BLOB.length);
    }

    @Test
    void readingAHeaderFromAServerIgnoringRangeNeverTakesTheWholeFile() throws Exception {
        proxy.rule(r -> new FaultProxy.IgnoreRange());
        long size;
        try (HubClient hub = client(Duration.ofSeconds(10));
             Checkpoint c = hub.open(HfUri.parse("hf://org/faulty/model.safetensors"))) {
            size = c.tensor("w").byteSize();
            assertThat(c.names()).containsExactly("w");
        }
        // 64 MiB of tensor: the client read ~100 KB and hung up; what was delivered is that plus socket buffers.
        assertThat(proxy.delivered()).isLessThan(size / 4);
    }

    @Test
    void anExpiredFileServerAddressIsAskedForAgain() throws Exception {
        // Signed addresses expire: the file server refuses one (403), the client asks the Hub again and goes on.
        proxy.rule(r -> r.index() == 2 ? new FaultProxy.Status(403, Map.of()) : new FaultProxy.Pass());
        server.clearRequests();
        assertThat(Files.readAllBytes(download())).isEqualTo(BLOB);
        long resolves = server.requests().stream().filter(r -> r.host().equals("hub")).count();
        assertThat(resolves).isEqualTo(2);   // the first probe and the refresh
        assertThat(proxy.requests()).anyMatch(r -> "bytes=0-0".equals(r.header("range")));
    }

    @Test
    void aStalledBodyIsAbandonedAndResumed() throws Exception {
        proxy.rule(r -> r.index() == 1 ? new FaultProxy.StallAfter(1000, 3000) : new FaultProxy.Pass());
        try (HubClient hub = client(Duration.ofMillis(400))) {
            assertThat(Files.readAllBytes(hub.download(HfUri.parse(FILE)))).isEqualTo(BLOB);
        }
        assertThat(proxy.requests().size()).isGreaterThan(1 + 4);   // the stalled range was asked for again
    }

    void assertNothingCached() throws Exception {
        Path repo = cache.resolve("models--org--faulty");
        try (Stream<Path> s = Files.walk(cache)) {
            List<String> files = s.filter(Files::isRegularFile).map(p -> cache.relativize(p).toString()).toList();
            // At most the lock file and the cache tag: no blob, no temp file, no snapshot, no ref.
            assertThat(files).allMatch(f -> f.startsWith(".locks/") || f.equals("CACHEDIR.TAG"));
        }
        assertThat(repo.resolve("snapshots")).doesNotExist();
    }
}
