package dev.safetensors.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.hub.testing.Children;
import dev.safetensors.hub.testing.DownloadMain;
import dev.safetensors.hub.testing.FaultProxy;
import dev.safetensors.hub.testing.HubServer;
import dev.safetensors.hub.testing.NeedsNginx;
import dev.safetensors.hub.testing.Nginx;
import dev.safetensors.hub.testing.TestCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads across processes: one killed (SIGKILL) in the middle resumes in the next with the missing ranges only,
 * and two processes downloading the same blob at once both end with it whole.
 */
@ExtendWith(NeedsNginx.class)
class ResumeAndProcessesTest {
    static final int CHUNK = 1 << 18;
    static final byte[] BLOB = TestCheckpoints.noise(24 * CHUNK, 11);   // 6 MiB in 24 chunks
    static final String FILE = "hf://org/resume/weights.bin";
    @TempDir
    static Path dir;
    static HubServer server;
    static FaultProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        if (!Nginx.installed()) {
            return;   // each test then says why it is skipped
        }
        int cdn = Nginx.freePort();
        proxy = FaultProxy.start(cdn);
        server = HubServer.builder(dir.resolve("www")).fileServerPort(cdn).redirectBase("http://localhost:" + proxy.port())
                .repo("org/resume", r -> r.lfs("weights.bin", BLOB)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server == null) {
            return;
        }
        server.close();
        proxy.close();
    }

    @Test
    void aKilledDownloadResumesWithTheMissingRangesOnly() throws Exception {
        Path cache = dir.resolve("cache-kill");
        // The child gets the probe and ten chunks, then the file server stops answering.
        proxy.rule(r -> r.index() <= 10 ? new FaultProxy.Pass() : new FaultProxy.StallAfter(0, 60_000));
        Process child = Children.java(DownloadMain.class, server.endpoint().toString(), cache.toString(), FILE,
                String.valueOf(CHUNK), "1").start();
        String sha = server.etag("org/resume", "weights.bin");
        Path journal = cache.resolve("models--org--resume/blobs/" + sha + ".resumable-ranges.incomplete");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(journal) && Files.readAllLines(journal).size() >= 11) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        List<String> done = Files.readAllLines(journal);
        assertThat(done).hasSizeGreaterThanOrEqualTo(11);   // the header line, the probe's range, ten chunks
        assertThat(cache.resolve("models--org--resume/blobs/" + sha)).doesNotExist();

        proxy.rule(r -> new FaultProxy.Pass());
        try (HubClient hub = server.client(cache).chunkSize(CHUNK).build()) {
            assertThat(Files.readAllBytes(hub.download(HfUri.parse(FILE)))).isEqualTo(BLOB);
        }
        // The probe again, then only what the killed process had not finished.
        assertThat(proxy.delivered()).isLessThan(BLOB.length - 8L * CHUNK);
        assertThat(proxy.requests()).noneMatch(r -> r.header("range").startsWith("bytes=" + CHUNK + "-"));
        try (Stream<Path> s = Files.walk(cache)) {
            assertThat(s.filter(p -> p.toString().endsWith(".incomplete"))).isEmpty();
        }
    }

    @Test
    void twoProcessesDownloadingOneBlobBothEndWithItWhole() throws Exception {
        Path cache = dir.resolve("cache-two");
        proxy.rule(r -> new FaultProxy.Pass());
        Process a = Children.java(DownloadMain.class, server.endpoint().toString(), cache.toString(), FILE,
                String.valueOf(CHUNK), "4").start();
        Process b = Children.java(DownloadMain.class, server.endpoint().toString(), cache.toString(), FILE,
                String.valueOf(CHUNK), "4").start();
        String outA = new String(a.getInputStream().readAllBytes()).strip();
        String outB = new String(b.getInputStream().readAllBytes()).strip();
        assertThat(a.waitFor(60, TimeUnit.SECONDS) && b.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(a.exitValue()).as(outA).isZero();
        assertThat(b.exitValue()).as(outB).isZero();
        assertThat(outA).isEqualTo(outB);
        assertThat(Files.readAllBytes(Path.of(outA))).isEqualTo(BLOB);
        // The lock let one of them fetch the blob; the other waited and found it (one probe each at most).
        assertThat(proxy.delivered()).isLessThanOrEqualTo(BLOB.length + 2L * CHUNK);
    }
}
