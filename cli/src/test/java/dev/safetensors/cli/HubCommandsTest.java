package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.hub.testing.Children;
import dev.safetensors.hub.testing.HubServer;
import dev.safetensors.hub.testing.NeedsNginx;
import dev.safetensors.hub.testing.Nginx;
import dev.safetensors.hub.testing.TestCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line against a Hub-shaped nginx, as a user runs it: a child process configured only by the
 * environment the Python tools read ({@code HF_ENDPOINT}, {@code HF_HUB_CACHE}, {@code HF_HUB_OFFLINE}).
 */
@ExtendWith(NeedsNginx.class)
class HubCommandsTest {
    @TempDir
    static Path dir;
    static HubServer server;

    @BeforeAll
    static void start() throws Exception {
        if (!Nginx.installed()) {
            return;   // each test says why it is skipped
        }
        // A quantized repository, made by our own quantize from a dense file with its config.
        Path dense = Files.createDirectories(dir.resolve("dense"));
        Files.write(dense.resolve("model.safetensors"), TestCheckpoints.file("model.layers.0.mlp.up_proj.weight", 32, 64));
        Files.writeString(dense.resolve("config.json"), "{\"model_type\": \"tiny\"}");
        assertThat(quietly("quantize", dense.toString(), dir.resolve("fp8").toString(), "--scheme", "fp8")).isZero();
        server = HubServer.builder(dir.resolve("www"))
                .repo("org/tiny-fp8", r -> r.lfs("model.safetensors", dir.resolve("fp8/model.safetensors"))
                        .file("config.json", read(dir.resolve("fp8/config.json"))).file("README.md", "fp8"))
                .repo("org/tiny", r -> r.lfs("model.safetensors", TestCheckpoints.file("lm_head.weight", 64, 16))
                        .file("config.json", "{\"model_type\": \"tiny\"}").file("README.md", "hi"))
                .repo("org/nested", r -> r.lfs("sub/model.safetensors", TestCheckpoints.file("lm_head.weight", 64, 16))
                        .file("sub/config.json", "{\"model_type\": \"tiny\"}").file("README.md", "nested"))
                .repo("org/odd", r -> r.lfs("w[v1].safetensors", TestCheckpoints.file("lm_head.weight", 64, 16))
                        .file("config.json", "{\"model_type\": \"tiny\"}"))
                .repo("org/sharded", r -> r
                        .lfs("model-00001-of-00002.safetensors", TestCheckpoints.file("a", 8, 8))
                        .lfs("model-00002-of-00002.safetensors", TestCheckpoints.file("b", 4, 4))
                        .file("model.safetensors.index.json", "{\"metadata\": {}, \"weight_map\": {"
                                + "\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"}}"))
                .start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    record Run(int exit, String out) {
    }

    private static int quietly(String... args) {
        java.io.PrintWriter none = new java.io.PrintWriter(java.io.Writer.nullWriter());
        return Main.run(args, none, none);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Run cli(Path cache, Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = Children.java(Main.class, args);
        pb.environment().remove("HF_TOKEN");
        pb.environment().put("HF_ENDPOINT", server.endpoint().toString());
        pb.environment().put("HF_HUB_CACHE", cache.toString());
        pb.environment().put("HF_HOME", dir.resolve("hf-home").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void downloadPutsTheRepositoryInTheCacheAndPrintsWhere() throws Exception {
        Path cache = dir.resolve("cache");
        Run r = cli(cache, Map.of(), "download", "org/tiny");
        assertThat(r.exit()).as(r.out()).isZero();
        Path snapshot = cache.resolve("models--org--tiny/snapshots/" + server.commit("org/tiny"));
        assertThat(r.out().strip()).isEqualTo(snapshot.toString());
        assertThat(snapshot.resolve("model.safetensors")).isSymbolicLink();
        assertThat(Files.readString(cache.resolve("models--org--tiny/refs/main"))).isEqualTo(server.commit("org/tiny"));

        Run offline = cli(cache, Map.of("HF_HUB_OFFLINE", "1"), "download", "hf://org/tiny/config.json");
        assertThat(offline.out().strip()).isEqualTo(snapshot.resolve("config.json").toString());
    }

    @Test
    void downloadWithPatternsIntoALocalFolder() throws Exception {
        Path local = dir.resolve("local");
        Run r = cli(dir.resolve("unused"), Map.of(), "download", "org/tiny", "--include", "*.json", "--include", "*.md",
                "--exclude", "README*", "--local-dir", local.toString(), "--revision", "main");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out().strip()).isEqualTo(local.toString());
        try (Stream<Path> s = Files.list(local)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(".cache", "config.json");
        }
    }

    @Test
    void inspectReadsRemoteHeadersAndDownloadsNothing() throws Exception {
        Path cache = dir.resolve("cache-inspect");
        server.clearRequests();
        Run r = cli(cache, Map.of(), "inspect", "hf://org/tiny");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).startsWith("hf://org/tiny\n").contains("lm_head.weight").contains("F32")
                .contains("[64, 16]");
        // The index (absent), the file's redirect and one range of its first bytes; the file is 4 KiB of tensor.
        List<HubServer.Request> rs = server.requests();
        assertThat(rs).hasSizeLessThanOrEqualTo(3);
        assertThat(cache).doesNotExist();
    }

    /** org/sharded: a = 0..63 (8x8), b = 0..15 (4x4), as TestCheckpoints writes them. */
    @Test
    void statsDiffAndReportReadRemoteCheckpointsWithoutDownloading() throws Exception {
        Path cache = dir.resolve("cache-values");
        Run stats = cli(cache, Map.of(), "stats", "--json", "hf://org/sharded");
        assertThat(stats.exit()).as(stats.out()).isZero();
        assertThat(stats.out()).contains("\"path\": \"hf://org/sharded\"",
                "\"a\": {\"dtype\": \"F32\", \"shape\": [8, 8], \"count\": 64, \"min\": 0.0, \"max\": 63.0, \"mean\": 31.5",
                "\"b\": {\"dtype\": \"F32\", \"shape\": [4, 4], \"count\": 16, \"min\": 0.0, \"max\": 15.0, \"mean\": 7.5");
        Run same = cli(cache, Map.of(), "diff", "hf://org/sharded", "hf://org/sharded/model.safetensors.index.json");
        assertThat(same.exit()).as(same.out()).isZero();
        Run other = cli(cache, Map.of(), "diff", "hf://org/tiny", "hf://org/sharded");
        assertThat(other.exit()).as(other.out()).isEqualTo(1);
        assertThat(other.out()).contains("only in A", "lm_head.weight", "only in B");
        Run report = cli(cache, Map.of(), "report", "hf://org/tiny", "-o", "-");
        assertThat(report.exit()).as(report.out()).isZero();
        assertThat(report.out()).startsWith("<!DOCTYPE html>").contains("lm_head.weight", "<title>tiny");
        assertThat(cache).doesNotExist();
    }

    @Test
    void inspectOfAShardedRepositoryMakesAtMostTwoRequestsPerShardPlusTheIndex() throws Exception {
        server.clearRequests();
        Run r = cli(dir.resolve("cache-sharded"), Map.of(), "inspect", "hf://org/sharded");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("hf://org/sharded: sharded checkpoint, 2 tensors in 2 shards")
                .contains("parameters of all shards: F32 80; total 80")
                .contains("hf://org/sharded/model-00002-of-00002.safetensors");
        assertThat(server.requests()).hasSizeLessThanOrEqualTo(2 * 2 + 1);
    }

    @Test
    void extractFetchesOnlyTheSlicedBytes() throws Exception {
        Path npy = dir.resolve("rows.npy");
        server.clearRequests();
        Run r = cli(dir.resolve("cache-extract"), Map.of(), "extract", "hf://org/tiny", "lm_head.weight", "--slice",
                "8:10", "-o", npy.toString(), "--raw");
        assertThat(r.exit()).as(r.out()).isZero();
        byte[] raw = Files.readAllBytes(npy);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 2 * 16; i++) {
            assertThat(b.getFloat()).isEqualTo(TestCheckpoints.value(0, 8 * 16 + i));
        }
        List<HubServer.Request> data = server.requests().stream().filter(q -> q.host().equals("cdn")).toList();
        assertThat(data.getLast().bytes()).isEqualTo(2 * 16 * 4);   // after the header probe: the two rows
    }

    @Test
    void validateAndConvertTakeRemoteInputs() throws Exception {
        Run v = cli(dir.resolve("cache-v"), Map.of(), "validate", "hf://org/tiny/model.safetensors");
        assertThat(v.exit()).as(v.out()).isZero();
        assertThat(v.out()).contains("hf://org/tiny/model.safetensors: OK (1 tensor)");
        Path out = dir.resolve("local-copy.safetensors");
        Run c = cli(dir.resolve("cache-c"), Map.of(), "convert", "hf://org/tiny", out.toString());
        assertThat(c.exit()).as(c.out()).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(server.content("org/tiny", "model.safetensors"));
    }

    @Test
    void badRepositoryNamesAreUsageErrors() throws Exception {
        Run r = cli(dir.resolve("c"), Map.of(), "download", "not a repo");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).contains("invalid Hub URI");
        Run missing = cli(dir.resolve("c"), Map.of(), "download", "org/absent");
        assertThat(missing.exit()).as("the Hub could not be read from: an I/O error").isEqualTo(3);
        assertThat(missing.out()).contains("RepoNotFound");
        assertThat(List.of(missing.out().split("\n"))).hasSizeLessThanOrEqualTo(2);   // one line, no stack trace
    }

    /** quantize and dequantize take hf:// addresses as the other commands do: downloaded with their configs first. */
    @Test
    void quantizeAndDequantizeTakeHubAddresses() throws Exception {
        Path remote = dir.resolve("dq-remote");
        Run d = cli(dir.resolve("cache-dq"), Map.of(), "dequantize", "hf://org/tiny-fp8", remote.toString());
        assertThat(d.exit()).as(d.out()).isZero();
        Path local = dir.resolve("dq-local");
        assertThat(quietly("dequantize", dir.resolve("fp8").toString(), local.toString())).isZero();
        assertThat(Files.readAllBytes(remote.resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(local.resolve("model.safetensors")));

        Path quantized = dir.resolve("q-remote");
        Run q = cli(dir.resolve("cache-q"), Map.of(), "quantize", "hf://org/tiny/model.safetensors", quantized.toString(),
                "--scheme", "fp8", "--ignore", "embed_tokens");
        assertThat(q.exit()).as(q.out()).isZero();
        Path tiny = Files.createDirectories(dir.resolve("tiny-local"));
        Files.write(tiny.resolve("model.safetensors"), server.content("org/tiny", "model.safetensors"));
        Files.write(tiny.resolve("config.json"), server.content("org/tiny", "config.json"));
        Path expected = dir.resolve("q-local");
        assertThat(quietly("quantize", tiny.resolve("model.safetensors").toString(), expected.toString(), "--scheme",
                "fp8", "--ignore", "embed_tokens")).isZero();
        assertThat(Files.readAllBytes(quantized.resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(expected.resolve("model.safetensors")));
        assertThat(Files.readString(quantized.resolve("config.json"))).contains("quantization_config");

        Run https = cli(dir.resolve("cache-h"), Map.of(), "dequantize", "https://example.com/model.safetensors",
                dir.resolve("h").toString());
        assertThat(https.exit()).isEqualTo(3);
        assertThat(https.out()).contains("only a local path or an hf:// address");
    }

    /** A file in a subfolder: its include pattern is a path from the repository's root, not just its name. */
    @Test
    void quantizeTakesAFileInASubfolder() throws Exception {
        Path out = dir.resolve("q-nested");
        Run q = cli(dir.resolve("cache-nested"), Map.of(), "quantize", "hf://org/nested/sub/model.safetensors",
                out.toString(), "--scheme", "fp8");
        assertThat(q.exit()).as(q.out()).isZero();
        assertThat(Files.readString(out.resolve("config.json"))).contains("quantization_config");
    }

    /** An index brings its shards: dequantize of hf://.../model.safetensors.index.json reads every shard. */
    @Test
    void dequantizeTakesAnIndexAddress() throws Exception {
        Path out = dir.resolve("dq-index");
        Run d = cli(dir.resolve("cache-index"), Map.of(), "dequantize", "hf://org/sharded/model.safetensors.index.json",
                out.toString());
        assertThat(d.exit()).as(d.out()).isZero();
        assertThat(out.resolve("model-00001-of-00002.safetensors")).exists();
        assertThat(out.resolve("model-00002-of-00002.safetensors")).exists();
    }

    /** An output inside the Hub cache would replace a snapshot's files: refused, as a usage error, before anything is written. */
    @Test
    void quantizeRefusesAnOutputInsideTheHubCache() throws Exception {
        Path cache = dir.resolve("cache-out");
        assertThat(cli(cache, Map.of(), "download", "hf://org/tiny").exit()).isZero();
        Path snapshot = cache.resolve("models--org--tiny/snapshots/" + server.commit("org/tiny"));
        for (Path out : List.of(snapshot, snapshot.resolve("fp8"))) {
            Run q = cli(cache, Map.of(), "quantize", "hf://org/tiny", out.toString(), "--scheme", "fp8");
            assertThat(q.exit()).as(q.out()).isEqualTo(2);
            assertThat(q.out()).contains("inside the Hub cache");
        }
        assertThat(snapshot.resolve("model.safetensors")).isSymbolicLink();
        assertThat(snapshot.resolve("fp8")).doesNotExist();
        Run again = cli(cache, Map.of("HF_HUB_OFFLINE", "1"), "quantize", "hf://org/tiny", dir.resolve("q-after").toString(),
                "--scheme", "fp8");
        assertThat(again.exit()).as(again.out()).isZero();   // the cached repository is still the dense one
    }

    /** Offline, the cached repository serves a file address and a folder address alike. */
    @Test
    void quantizeOfflineFromTheCache() throws Exception {
        Path cache = dir.resolve("cache-offline");
        assertThat(cli(cache, Map.of(), "download", "hf://org/nested").exit()).isZero();
        Run q = cli(cache, Map.of("HF_HUB_OFFLINE", "1"), "quantize", "hf://org/nested/sub/model.safetensors",
                dir.resolve("q-offline").toString(), "--scheme", "fp8");
        assertThat(q.exit()).as(q.out()).isZero();
    }

    /** A file name with glob characters is asked for as itself, not as a pattern. */
    @Test
    void quantizeTakesAFileNamedWithGlobCharacters() throws Exception {
        Path out = dir.resolve("q-odd");
        Run q = cli(dir.resolve("cache-odd"), Map.of(), "quantize", "hf://org/odd/w[v1].safetensors", out.toString(),
                "--scheme", "fp8");
        assertThat(q.exit()).as(q.out()).isZero();
        assertThat(out.resolve("model.safetensors")).exists();
    }
}
