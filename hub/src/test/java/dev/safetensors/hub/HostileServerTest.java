package dev.safetensors.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.hub.testing.RawHttpServer;
import dev.safetensors.hub.testing.TestCheckpoints;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers that lie, written byte by byte (no nginx needed): headers that are not numbers, ranges that do not fit,
 * bodies that stall or stop, redirects without end. Every failure must be a {@link SafeTensorsException} naming
 * the address, within the timeouts.
 */
class HostileServerTest {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final byte[] FILE = TestCheckpoints.file("w", 64, 64);
    static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");

    @TempDir
    Path cache;

    HubClient client(RawHttpServer s) {
        return HubClient.builder().endpoint(URI.create(s.base())).token("secret").cacheDir(cache).offline(false)
                .timeout(Duration.ofMillis(800)).retries(1, Duration.ofMillis(5), Duration.ofMillis(10)).build();
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** Serves FILE's bytes honouring Range, with extra headers. */
    static void serveFile(RawHttpServer.Request r, OutputStream out, Consumer<Map<String, String>> extra)
            throws IOException {
        Map<String, String> h = new LinkedHashMap<>();
        String range = r.header("Range");
        Matcher m = range == null ? null : RANGE.matcher(range);
        if (m != null && m.matches()) {
            int first = Integer.parseInt(m.group(1));
            int last = (int) Math.min(FILE.length - 1, Long.parseLong(m.group(2)));
            byte[] body = java.util.Arrays.copyOfRange(FILE, first, last + 1);
            h.put("Content-Range", "bytes " + first + "-" + last + "/" + FILE.length);
            h.put("Content-Length", String.valueOf(body.length));
            extra.accept(h);
            RawHttpServer.write(out, 206, h, body);
        } else {
            h.put("Content-Length", String.valueOf(FILE.length));
            extra.accept(h);
            RawHttpServer.write(out, 200, h, FILE);
        }
    }

    @Test
    void aRedirectWhoseLinkedSizeIsNotANumberIsNoCrash() throws Exception {
        String sha = sha256(FILE);
        try (RawHttpServer s = RawHttpServer.start((r, out) -> {
            if (r.target().contains("/resolve/")) {
                RawHttpServer.write(out, 302, Map.of("Location", "/cdn/blob", "X-Repo-Commit", COMMIT,
                        "X-Linked-Etag", "\"" + sha + "\"", "X-Linked-Size", "12abc", "Content-Length", "0"), new byte[0]);
            } else {
                serveFile(r, out, h -> { });
            }
        }); HubClient hub = client(s)) {
            // The size the Hub gives cannot be read: the file server's answer decides, or the open fails cleanly.
            try (Checkpoint c = hub.open(HfUri.parse("hf://org/m/model.safetensors"))) {
                assertThat(c.tensor("w").info().shape().dims()).containsExactly(64, 64);
            } catch (SafeTensorsException e) {
                assertThat(e.getMessage()).contains("X-Linked-Size");
            }
            assertThat(hub.download(HfUri.parse("hf://org/m/model.safetensors"))).hasBinaryContent(FILE);
        }
    }

    @Test
    void aRedirectLoopEndsWithAnErrorNamingIt() throws Exception {
        try (RawHttpServer s = RawHttpServer.start((r, out) -> RawHttpServer.write(out, 302,
                Map.of("Location", r.target() + "x", "Content-Length", "0"), new byte[0])); HubClient hub = client(s)) {
            assertThatThrownBy(() -> hub.open(HfUri.parse("hf://org/m/model.safetensors")))
                    .isInstanceOf(SafeTensorsException.class).hasMessageContaining("redirects")
                    .hasMessageContaining("hf://org/m/model.safetensors");
        }
    }

    @Test
    void aBodyThatStallsForeverIsAbandonedWithinTheTimeouts() throws Exception {
        try (RawHttpServer s = RawHttpServer.start((r, out) -> {
            RawHttpServer.write(out, 206, Map.of("Content-Range", "bytes 0-100000/" + FILE.length, "Content-Length",
                    String.valueOf(FILE.length)), java.util.Arrays.copyOf(FILE, 100));
            Thread.sleep(60_000);
        }); HubClient hub = client(s)) {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatThrownBy(
                    () -> hub.open(HfUri.parse("hf://org/m/model.safetensors")))
                    .isInstanceOf(SafeTensorsException.class).hasMessageContaining("hf://org/m/model.safetensors"));
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws Exception {
        try (RawHttpServer s = RawHttpServer.start((r, out) -> Thread.sleep(60_000)); HubClient hub = client(s)) {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatThrownBy(
                    () -> hub.open(HfUri.parse("hf://org/m/model.safetensors")))
                    .isInstanceOf(SafeTensorsException.class).hasMessageContaining("cannot reach"));
        }
    }

    @Test
    void aContentLengthThatIsNotANumberIsNoCrash() throws Exception {
        try (RawHttpServer s = RawHttpServer.start((r, out) -> RawHttpServer.write(out, 200,
                Map.of("Content-Length", "lots"), FILE)); HubClient hub = client(s)) {
            assertThatThrownBy(() -> hub.openUrl(URI.create(s.base() + "/x/model.safetensors"), OpenOptions.defaults()))
                    .isInstanceOf(SafeTensorsException.class);
        }
    }

    @Test
    void aRangeAnsweredFromElsewhereIsAnError() throws Exception {
        try (RawHttpServer s = RawHttpServer.start((r, out) -> serveFile(r, out, h -> {
            if (h.containsKey("Content-Range") && !h.get("Content-Range").startsWith("bytes 0-")) {
                h.put("Content-Range", "bytes 0-" + (Integer.parseInt(h.get("Content-Length")) - 1) + "/" + FILE.length);
            }
        })); HubClient hub = client(s);
             Checkpoint c = hub.openUrl(URI.create(s.base() + "/x/model.safetensors"), OpenOptions.defaults())) {
            assertThatThrownBy(() -> c.tensor("w").toFloatArray()).isInstanceOf(SafeTensorsException.class)
                    .hasMessageContaining("/x/model.safetensors").hasMessageContaining("the server is wrong");
        }
    }

    @Test
    void aHugeErrorMessageFromTheServerIsNotRepeatedWhole() throws Exception {
        String big = "y".repeat(200_000);
        try (RawHttpServer s = RawHttpServer.start((r, out) -> RawHttpServer.write(out, 404,
                Map.of("X-Error-Code", "EntryNotFound", "X-Error-Message", big, "Content-Length", "0"), new byte[0]));
             HubClient hub = client(s)) {
            assertThatThrownBy(() -> hub.open(HfUri.parse("hf://org/m/model.safetensors")))
                    .isInstanceOf(SafeTensorsException.class)
                    .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(10_000));
        }
    }

    @Test
    void anEtagWithPathCharactersNeverBecomesAPath() throws Exception {
        try (RawHttpServer s = RawHttpServer.start((r, out) -> serveFile(r, out, h -> {
            h.put("ETag", "\"../../../escape\"");
            h.put("X-Repo-Commit", COMMIT);
        })); HubClient hub = client(s)) {
            assertThatThrownBy(() -> hub.download(HfUri.parse("hf://org/m/model.safetensors")))
                    .isInstanceOf(SafeTensorsException.class).hasMessageContaining("ETag");
            assertThat(cache.resolve("models--org--m/blobs/../../../escape").normalize()).doesNotExist();
            try (var files = Files.walk(cache)) {
                assertThat(files.filter(p -> p.getFileName().toString().contains("escape"))).isEmpty();
            }
        }
    }

    @Test
    void aRedirectToACachedBlobWithoutACommitOpensTheBlob() throws Exception {
        // The Hub names a blob the cache holds (X-Linked-Etag and -Size) but no X-Repo-Commit: the probe stops at
        // the redirect, so there is no file-server address to read from, and the blob must be used.
        String sha = sha256(FILE);
        Path blob = cache.resolve("models--org--m/blobs/" + sha);
        Files.createDirectories(blob.getParent());
        Files.write(blob, FILE);
        try (RawHttpServer s = RawHttpServer.start((r, out) -> RawHttpServer.write(out, 302, Map.of("Location",
                "/cdn/blob", "X-Linked-Etag", "\"" + sha + "\"", "X-Linked-Size", String.valueOf(FILE.length),
                "Content-Length", "0"), new byte[0])); HubClient hub = client(s);
             Checkpoint c = hub.open(HfUri.parse("hf://org/m/model.safetensors"))) {
            assertThat(c.tensor("w").toFloatArray()[5]).isEqualTo(TestCheckpoints.value(0, 5));
            assertThat(s.requests()).hasSize(1);
        }
    }

    @Test
    void aServerIgnoringRangeIsReadAsOneStreamByLazyReadsToo() throws Exception {
        byte[] big = TestCheckpoints.file("w", 512, 512);   // 1 MiB of tensor: 16 chunks of 64 KiB
        try (RawHttpServer s = RawHttpServer.start((r, out) -> RawHttpServer.write(out, 200,
                Map.of("Content-Length", String.valueOf(big.length)), big));
             HubClient hub = HubClient.builder().endpoint(URI.create(s.base())).token(null).cacheDir(cache)
                     .offline(false).chunkSize(1 << 16).connections(4).build();
             Checkpoint c = hub.openUrl(URI.create(s.base() + "/x/model.safetensors"), OpenOptions.defaults())) {
            float[] all = c.tensor("w").toFloatArray();
            assertThat(all[512 * 512 - 1]).isEqualTo(TestCheckpoints.value(0, 512 * 512 - 1));
            // Each request to such a server streams the file from byte 0: the probe, then one stream for each read
            // core makes (it fills a heap array in a few batches), not one stream per 64 KiB chunk (17 requests,
            // moving the file's front again and again: quadratic in the size).
            int afterTensor = s.requests().size();
            assertThat(afterTensor).isBetween(2, 3);
            float[] column = c.tensor("w").slice(":, 7:8").toFloatArray();
            assertThat(column[511]).isEqualTo(TestCheckpoints.value(0, 511L * 512 + 7));
            assertThat(s.requests().size() - afterTensor).isBetween(1, 2);
        }
    }

    @Test
    void aRepositoryOfManyFilesIsFetchedWithinTheConnectionBound() throws Exception {
        int files = 24;
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        StringBuilder siblings = new StringBuilder();
        for (int k = 0; k < files; k++) {
            byte[] b = ("file " + k).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            siblings.append(k == 0 ? "" : ",").append("{\"rfilename\":\"f").append(k).append(".txt\",\"size\":")
                    .append(b.length).append(",\"blobId\":\"").append(dev.safetensors.hub.testing.HubServer.gitBlobId(b))
                    .append("\"}");
        }
        byte[] listing = ("{\"sha\":\"" + COMMIT + "\",\"siblings\":[" + siblings + "]}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Pattern file = Pattern.compile(".*/resolve/[0-9a-f]{40}/f(\\d+)\\.txt");
        try (RawHttpServer s = RawHttpServer.start((r, out) -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                Thread.sleep(50);   // long enough for unbounded requests to pile up
                Matcher m = file.matcher(r.target());
                if (r.target().startsWith("/api/models/org/many/revision/main")) {
                    RawHttpServer.write(out, 200, Map.of("Content-Length", String.valueOf(listing.length)), listing);
                } else if (m.matches()) {
                    byte[] b = ("file " + m.group(1)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    RawHttpServer.write(out, 206, Map.of("Content-Range", "bytes 0-" + (b.length - 1) + "/" + b.length,
                            "Content-Length", String.valueOf(b.length), "X-Repo-Commit", COMMIT,
                            "ETag", "\"" + dev.safetensors.hub.testing.HubServer.gitBlobId(b) + "\""), b);
                } else {
                    RawHttpServer.write(out, 404, Map.of("Content-Length", "0"), new byte[0]);
                }
            } finally {
                inFlight.decrementAndGet();
            }
        }); HubClient hub = HubClient.builder().endpoint(URI.create(s.base())).token(null).cacheDir(cache)
                .offline(false).connections(2).build()) {
            Path snapshot = hub.download(HfUri.parse("hf://org/many"));
            assertThat(snapshot.resolve("f7.txt")).hasContent("file 7");
            assertThat(s.requests()).hasSize(1 + files);
            assertThat(most.get()).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void onlyTheBytesAContentRangeNamesAreTaken() throws Exception {
        // A 206 whose body runs past what its Content-Range names (a broken proxy): the rest is not the file's.
        try (RawHttpServer s = RawHttpServer.start((r, out) -> {
            Matcher m = RANGE.matcher(r.header("Range"));
            if (!m.matches()) {
                throw new IOException("no range");
            }
            int first = Integer.parseInt(m.group(1));
            int last = (int) Math.min(FILE.length - 1, Long.parseLong(m.group(2)));
            byte[] body = java.util.Arrays.copyOfRange(FILE, first, last + 1);
            int named = Math.min(body.length, 4096);
            java.util.Arrays.fill(body, named, body.length, (byte) 0x7F);
            RawHttpServer.write(out, 206, Map.of("Content-Range", "bytes " + first + "-" + (first + named - 1) + "/"
                    + FILE.length, "Content-Length", String.valueOf(body.length)), body);
        }); HubClient hub = client(s);
             Checkpoint c = hub.openUrl(URI.create(s.base() + "/x/model.safetensors"), OpenOptions.defaults())) {
            float[] w = c.tensor("w").toFloatArray();
            for (int i = 0; i < w.length; i++) {
                assertThat(w[i]).as("element %d", i).isEqualTo(TestCheckpoints.value(0, i));
            }
        }
    }
}
