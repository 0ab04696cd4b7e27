package dev.safetensors.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.Checkpoint;
import dev.safetensors.hub.internal.cache.CacheLock;
import dev.safetensors.hub.testing.Children;
import dev.safetensors.hub.testing.HubServer;
import dev.safetensors.hub.testing.Nginx;
import dev.safetensors.hub.testing.TestCheckpoints;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Python client ({@code huggingface_hub}) and this module on one cache: what either downloads the other
 * finds, Python's cache scanner sees no corruption in ours, and a Python download's lock holds ours off. Runs where a
 * python3 with huggingface_hub exists (see {@link Children#pythonWithHub()}); skipped elsewhere, CI included.
 */
class PythonClientInteropTest {
    static final byte[] WEIGHTS = TestCheckpoints.file("w", 64, 64);
    @TempDir
    static Path dir;
    static HubServer server;
    static String python;

    @BeforeAll
    static void start() throws Exception {
        python = Children.findPythonWithHub();
        if (python == null || !Nginx.installed()) {
            return;   // each test then says why it is skipped
        }
        server = HubServer.builder(dir.resolve("www"))
                .repo("org/interop", r -> r.lfs("model.safetensors", WEIGHTS).file("config.json", "{\"a\": 1}")
                        .lfs("nested/more.safetensors", TestCheckpoints.file("m", 2, 2)))
                .start();
    }

    @BeforeEach
    void needsPythonAndNginx() {
        Children.pythonWithHub();
        Nginx.require();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    String py(Path cache, String code) throws Exception {
        return Children.run(Children.python(python, code, Map.of("HF_ENDPOINT", server.endpoint().toString(),
                "HF_HUB_CACHE", cache.toString())), 120).strip();
    }

    @Test
    void whatPythonDownloadsWeReadOffline() throws Exception {
        Path cache = dir.resolve("py-cache");
        py(cache, "from huggingface_hub import snapshot_download; snapshot_download('org/interop')");
        try (HubClient hub = HubClient.builder().endpoint(URI.create("http://127.0.0.1:9")).cacheDir(cache).offline(true)
                .build(); Checkpoint c = hub.open(HfUri.parse("hf://org/interop"))) {
            assertThat(c.tensor("w").toFloatArray()[100]).isEqualTo(100f);
        }
    }

    @Test
    void whatWeDownloadPythonFindsAndItsScannerTrusts() throws Exception {
        Path cache = dir.resolve("java-cache");
        Path snapshot;
        try (HubClient hub = HubClient.builder().endpoint(server.endpoint()).token(null).cacheDir(cache).offline(false)
                .build()) {
            snapshot = hub.download(HfUri.parse("hf://org/interop"));
        }
        String found = py(cache, """
                from huggingface_hub import try_to_load_from_cache, hf_hub_download
                a = try_to_load_from_cache('org/interop', 'nested/more.safetensors')
                b = hf_hub_download('org/interop', 'model.safetensors', local_files_only=True)
                print(a); print(b)""");
        assertThat(found.lines()).containsExactly(snapshot.resolve("nested/more.safetensors").toString(),
                snapshot.resolve("model.safetensors").toString());
        String scan = py(cache, """
                from huggingface_hub import scan_cache_dir
                info = scan_cache_dir()
                print(len(info.warnings), [str(w) for w in info.warnings])
                for repo in info.repos:
                    for rev in repo.revisions:
                        print(repo.repo_id, rev.commit_hash, sorted(rev.refs), sorted(f.file_name for f in rev.files))""");
        assertThat(scan.lines().findFirst().orElseThrow()).startsWith("0 ");
        assertThat(scan).contains("org/interop " + server.commit("org/interop") + " ['main'] "
                + "['config.json', 'model.safetensors', 'more.safetensors']");
        // Python offline after our download: no request at all.
        server.clearRequests();
        Children.run(Children.python(python, "from huggingface_hub import snapshot_download; snapshot_download('org/interop')",
                Map.of("HF_ENDPOINT", server.endpoint().toString(), "HF_HUB_CACHE", cache.toString(),
                        "HF_HUB_OFFLINE", "1")), 120);
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void aLocalFolderWeFilledPythonDoesNotFetchAgain() throws Exception {
        Path local = dir.resolve("local");
        try (HubClient hub = HubClient.builder().endpoint(server.endpoint()).token(null).cacheDir(dir.resolve("unused"))
                .offline(false).build()) {
            hub.download(HfUri.parse("hf://org/interop"), DownloadOptions.defaults().localDir(local));
        }
        server.clearRequests();
        py(dir.resolve("unused-py"), "from huggingface_hub import snapshot_download; snapshot_download('org/interop', local_dir='"
                + local + "')");
        assertThat(server.requests()).noneMatch(r -> r.host().equals("cdn"));   // metadata only, no file body
    }

    @Test
    void aLockPythonHoldsKeepsOurDownloadWaiting() throws Exception {
        Assumptions.assumeTrue(CacheLock.interoperable(), "flock needs native access for the hub module");
        Path cache = dir.resolve("lock-cache");
        String sha = server.etag("org/interop", "model.safetensors");
        Path lock = cache.resolve(".locks/models--org--interop/" + sha + ".lock");
        Path released = dir.resolve("released");
        Files.createDirectories(lock.getParent());
        // The Python client's own lock class, on the path it uses for this blob.
        Process p = Children.python(python, """
                import time, pathlib
                from huggingface_hub.utils import WeakFileLock
                with WeakFileLock('%s'):
                    print('locked', flush=True)
                    time.sleep(1.5)
                    pathlib.Path('%s').write_text('x')
                """.formatted(lock, released), Map.of()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("locked");
        try (HubClient hub = HubClient.builder().endpoint(server.endpoint()).token(null).cacheDir(cache).offline(false)
                .build()) {
            Path got = hub.download(HfUri.parse("hf://org/interop/model.safetensors"));
            assertThat(released).as("the download waited for Python's lock").exists();
            assertThat(Files.readAllBytes(got)).isEqualTo(WEIGHTS);
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
}
