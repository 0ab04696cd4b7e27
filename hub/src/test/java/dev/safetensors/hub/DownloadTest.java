package dev.safetensors.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.hub.testing.HubServer;
import dev.safetensors.hub.testing.NeedsNginx;
import dev.safetensors.hub.testing.Nginx;
import dev.safetensors.hub.testing.TestCheckpoints;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads land in the Python client's cache layout (blobs named by ETag, snapshot links, refs) or in a local
 * folder with its bookkeeping; files already there are not fetched again; concurrent downloads share one blob.
 */
@ExtendWith(NeedsNginx.class)
class DownloadTest {
    static final byte[] WEIGHTS = TestCheckpoints.noise(6 << 20, 1);   // six chunks of 1 MiB
    static final String CONFIG = "{\"model_type\": \"tiny\"}";
    @TempDir
    static Path dir;
    static HubServer server;
    static String commit;

    @BeforeAll
    static void start() throws Exception {
        if (!Nginx.installed()) {
            return;   // each test then says why it is skipped
        }
        server = HubServer.builder(dir.resolve("www"))
                .repo("org/tiny", r -> r.lfs("model.safetensors", WEIGHTS).file("config.json", CONFIG)
                        .lfs("sub/dir/extra.bin", TestCheckpoints.noise(1000, 2)).file("README.md", "# tiny")
                        .lfs("empty.bin", new byte[0]))
                .repo(RepoType.DATASET, "org/data", r -> r.file("train.jsonl", "{}\n"))
                .start();
        commit = server.commit("org/tiny");
    }

    @AfterAll
    static void stop() {
        if (server == null) {
            return;
        }
        server.close();
    }

    static HubClient client(Path cache) {
        return server.client(cache).chunkSize(1 << 20).build();
    }

    @Test
    void aRepositoryLandsInThePythonClientsLayout() throws Exception {
        Path cache = dir.resolve("cache-layout");
        Path snapshot;
        try (HubClient hub = client(cache)) {
            snapshot = hub.download(HfUri.parse("hf://org/tiny"));
        }
        Path repo = cache.resolve("models--org--tiny");
        assertThat(snapshot).isEqualTo(repo.resolve("snapshots").resolve(commit));
        // refs/main holds the commit, without a newline (as the Python client writes it).
        assertThat(Files.readString(repo.resolve("refs/main"))).isEqualTo(commit);
        String sha = HubServer.sha256(WEIGHTS);
        assertThat(Files.readAllBytes(repo.resolve("blobs").resolve(sha))).isEqualTo(WEIGHTS);
        String configId = HubServer.gitBlobId(CONFIG.getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(repo.resolve("blobs").resolve(configId))).isEqualTo(CONFIG);
        // Snapshot entries are relative links into ../../blobs, one ../ more per folder.
        assertThat(Files.readSymbolicLink(snapshot.resolve("model.safetensors")).toString()).isEqualTo("../../blobs/" + sha);
        assertThat(Files.readSymbolicLink(snapshot.resolve("config.json")).toString()).isEqualTo("../../blobs/" + configId);
        assertThat(Files.readSymbolicLink(snapshot.resolve("sub/dir/extra.bin")).toString())
                .isEqualTo("../../../../blobs/" + server.etag("org/tiny", "sub/dir/extra.bin"));
        assertThat(Files.readAllBytes(snapshot.resolve("sub/dir/extra.bin"))).isEqualTo(TestCheckpoints.noise(1000, 2));
        assertThat(Files.size(snapshot.resolve("empty.bin"))).isZero();
        // The lock the Python client takes for the same blob; no temp file is left anywhere.
        assertThat(cache.resolve(".locks/models--org--tiny/" + sha + ".lock")).exists();
        assertThat(leftovers(cache)).isEmpty();
        assertThat(cache.resolve("CACHEDIR.TAG")).exists();
    }

    @Test
    void aSecondDownloadFetchesNothing() throws Exception {
        Path cache = dir.resolve("cache-twice");
        try (HubClient hub = client(cache)) {
            hub.download(HfUri.parse("hf://org/tiny"));
            server.clearRequests();
            hub.download(HfUri.parse("hf://org/tiny"));
        }
        assertThat(server.requests()).singleElement().satisfies(r -> assertThat(r.uri()).startsWith("/api/models/org/tiny"));
    }

    @Test
    void includeAndExcludePatternsChooseTheFiles() throws Exception {
        Path cache = dir.resolve("cache-patterns");
        Path snapshot;
        try (HubClient hub = client(cache)) {
            snapshot = hub.download(HfUri.parse("hf://org/tiny"), DownloadOptions.defaults()
                    .include("*.json", "*.md", "sub/").exclude("README*"));
        }
        try (Stream<Path> files = Files.walk(snapshot)) {
            assertThat(files.filter(p -> !Files.isDirectory(p)).map(p -> snapshot.relativize(p).toString()).sorted())
                    .containsExactly("config.json", "sub/dir/extra.bin");
        }
    }

    @Test
    void aSingleFileIsProbedOnceAndReturnedFromItsSnapshot() throws Exception {
        Path cache = dir.resolve("cache-single");
        try (HubClient hub = client(cache)) {
            server.clearRequests();
            Path p = hub.download(HfUri.parse("hf://org/tiny/config.json"));
            assertThat(p).isEqualTo(cache.resolve("models--org--tiny/snapshots/" + commit + "/config.json"));
            assertThat(Files.readString(p)).isEqualTo(CONFIG);
            assertThat(server.requests()).hasSize(1);
            // A pinned revision that the cache holds needs no request at all.
            server.clearRequests();
            assertThat(hub.download(HfUri.parse("hf://org/tiny@" + commit + "/config.json"))).isEqualTo(p);
            assertThat(server.requests()).isEmpty();
        }
    }

    @Test
    void aFolderOfTheRepository() throws Exception {
        Path cache = dir.resolve("cache-folder");
        try (HubClient hub = client(cache)) {
            Path p = hub.download(HfUri.parse("hf://org/tiny/sub"));
            assertThat(p).isEqualTo(cache.resolve("models--org--tiny/snapshots/" + commit + "/sub"));
            assertThat(p.resolve("dir/extra.bin")).exists();
            assertThat(p.resolveSibling("model.safetensors")).doesNotExist();
            assertThatThrownBy(() -> hub.download(HfUri.parse("hf://org/tiny/nothing-here")))
                    .hasMessageContaining("neither a file nor a folder");
        }
    }

    @Test
    void datasetsHaveTheirOwnFolderAndAddress() throws Exception {
        Path cache = dir.resolve("cache-dataset");
        try (HubClient hub = client(cache)) {
            Path p = hub.download(HfUri.parse("hf://datasets/org/data"));
            assertThat(p.getParent().getParent().getFileName().toString()).isEqualTo("datasets--org--data");
            assertThat(Files.readString(p.resolve("train.jsonl"))).isEqualTo("{}\n");
        }
    }

    @Test
    void aLocalFolderGetsTheFilesAndThePythonClientsBookkeeping() throws Exception {
        Path local = dir.resolve("local");
        AtomicLong bytes = new AtomicLong();
        DownloadOptions options = DownloadOptions.defaults().localDir(local).listener(new DownloadListener() {
            @Override
            public void progress(String file, long n) {
                bytes.addAndGet(n);
            }
        });
        try (HubClient hub = client(dir.resolve("cache-unused"))) {
            assertThat(hub.download(HfUri.parse("hf://org/tiny"), options)).isEqualTo(local);
            assertThat(Files.readAllBytes(local.resolve("model.safetensors"))).isEqualTo(WEIGHTS);
            assertThat(Files.isSymbolicLink(local.resolve("model.safetensors"))).isFalse();
            List<String> meta = Files.readAllLines(local.resolve(".cache/huggingface/download/model.safetensors.metadata"));
            assertThat(meta.get(0)).isEqualTo(commit);
            assertThat(meta.get(1)).isEqualTo(HubServer.sha256(WEIGHTS));
            assertThat(Double.parseDouble(meta.get(2))).isPositive();
            assertThat(Files.readString(local.resolve(".cache/huggingface/.gitignore"))).isEqualTo("*");
            assertThat(local.resolve(".cache/huggingface/download/sub/dir/extra.bin.metadata")).exists();
            assertThat(bytes.get()).isEqualTo(WEIGHTS.length + CONFIG.length() + 1000 + "# tiny".length());
            assertThat(dir.resolve("cache-unused")).doesNotExist();

            server.clearRequests();
            hub.download(HfUri.parse("hf://org/tiny"), options);
            assertThat(server.requests()).hasSize(1);   // the listing; every file is up to date
            assertThat(leftovers(local)).isEmpty();
        }
    }

    @Test
    void threadsDownloadingTheSameRepositoryShareOneCopy() throws Exception {
        Path cache = dir.resolve("cache-threads");
        server.clearRequests();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<Path>> results = new ArrayList<>();
        try (HubClient hub = client(cache)) {
            for (int i = 0; i < 6; i++) {
                results.add(pool.submit(() -> hub.download(HfUri.parse("hf://org/tiny/model.safetensors"))));
            }
            for (Future<Path> f : results) {
                assertThat(Files.readAllBytes(f.get())).isEqualTo(WEIGHTS);
            }
        } finally {
            pool.shutdown();
        }
        long served = server.requests().stream().filter(r -> r.host().equals("cdn")).mapToLong(HubServer.Request::bytes)
                .sum();
        // One download of the blob, plus at most one 1 MiB probe for each thread that waited.
        assertThat(served).isLessThanOrEqualTo(WEIGHTS.length + 6L * (1 << 20));
        assertThat(leftovers(cache)).isEmpty();
    }

    /** Temp files: anything named *.incomplete or *.tmp. */
    static List<Path> leftovers(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".incomplete") || p.getFileName().toString().endsWith(".tmp"))
                    .toList();
        }
    }
}
