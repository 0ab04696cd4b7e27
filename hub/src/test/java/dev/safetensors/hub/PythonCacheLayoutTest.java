package dev.safetensors.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.Checkpoint;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.hub.internal.HubEnvironment;
import dev.safetensors.hub.testing.HubServer;
import dev.safetensors.hub.testing.TestCheckpoints;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache built by hand exactly as the Python client documents it ({@code manage-cache.md}, the docstring of
 * {@code hf_hub_download}): {@code blobs/} named by SHA-256 or git blob id, {@code snapshots/COMMIT/} of relative
 * links, {@code refs/main}; read offline, with no server at all.
 */
class PythonCacheLayoutTest {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final String OLD_COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
    @TempDir
    static Path cache;

    @BeforeAll
    static void buildTheCache() throws Exception {
        Path repo = cache.resolve("models--org--cached");
        byte[] weights = TestCheckpoints.file("w", 2, 3);
        blob(repo, HubServer.sha256(weights), weights);
        byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
        blob(repo, HubServer.gitBlobId(config), config);
        link(repo, COMMIT, "model.safetensors", HubServer.sha256(weights));
        link(repo, COMMIT, "config.json", HubServer.gitBlobId(config));
        byte[] older = TestCheckpoints.file("old", 1, 1);
        blob(repo, HubServer.sha256(older), older);
        link(repo, OLD_COMMIT, "model.safetensors", HubServer.sha256(older));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), COMMIT);
        Files.createDirectories(cache.resolve(".locks/models--org--cached"));

        Path sharded = cache.resolve("models--org--shardy");
        StringBuilder map = new StringBuilder();
        for (int s = 1; s <= 2; s++) {
            String shard = "model-0000" + s + "-of-00002.safetensors";
            Map<String, int[]> t = new LinkedHashMap<>();
            t.put("layer." + s, new int[] {2, 2});
            byte[] b = TestCheckpoints.file(t, Map.of());
            blob(sharded, HubServer.sha256(b), b);
            link(sharded, COMMIT, shard, HubServer.sha256(b));
            map.append(map.isEmpty() ? "" : ",").append("\"layer.").append(s).append("\":\"").append(shard).append('"');
        }
        byte[] index = ("{\"metadata\":{},\"weight_map\":{" + map + "}}").getBytes(StandardCharsets.UTF_8);
        blob(sharded, HubServer.gitBlobId(index), index);
        link(sharded, COMMIT, "model.safetensors.index.json", HubServer.gitBlobId(index));
        Files.createDirectories(sharded.resolve("refs"));
        Files.writeString(sharded.resolve("refs/main"), COMMIT);

        Path dataset = cache.resolve("datasets--org--corpus");
        byte[] data = TestCheckpoints.file("tokens", 4, 4);
        blob(dataset, HubServer.sha256(data), data);
        link(dataset, COMMIT, "data/train.safetensors", HubServer.sha256(data));
        Files.createDirectories(dataset.resolve("refs"));
        Files.writeString(dataset.resolve("refs/v1"), COMMIT);
    }

    static void blob(Path repo, String name, byte[] content) throws Exception {
        Files.createDirectories(repo.resolve("blobs"));
        Files.write(repo.resolve("blobs").resolve(name), content);
    }

    static void link(Path repo, String commit, String path, String blob) throws Exception {
        Path pointer = repo.resolve("snapshots").resolve(commit).resolve(path);
        Files.createDirectories(pointer.getParent());
        String up = "../".repeat(path.split("/").length + 1);
        Files.createSymbolicLink(pointer, Path.of(up + "blobs/" + blob));
    }

    static HubClient offline() {
        // No server anywhere: any request would fail.
        return HubClient.builder().endpoint(URI.create("http://127.0.0.1:9")).token(null).cacheDir(cache)
                .offline(true).build();
    }

    @Test
    void readsTheSnapshotTheBranchPointsAt() {
        try (HubClient hub = offline(); Checkpoint c = hub.open(HfUri.parse("hf://org/cached"))) {
            assertThat(c.names()).containsExactly("w");
            assertThat(c.tensor("w").toFloatArray()).containsExactly(0, 1, 2, 3, 4, 5);
        }
    }

    @Test
    void readsAnOlderCommitByItsHash() {
        try (HubClient hub = offline();
             Checkpoint c = hub.open(HfUri.parse("hf://org/cached@" + OLD_COMMIT + "/model.safetensors"))) {
            assertThat(c.names()).containsExactly("old");
        }
    }

    @Test
    void readsAShardedSnapshotThroughItsLinks() {
        try (HubClient hub = offline(); Checkpoint c = hub.open(HfUri.parse("hf://org/shardy"))) {
            assertThat(c).isInstanceOf(ShardedCheckpoint.class);
            assertThat(c.names()).containsExactlyInAnyOrder("layer.1", "layer.2");
            assertThat(c.tensor("layer.2").toFloatArray()).containsExactly(0, 1, 2, 3);
        }
    }

    @Test
    void aShardLinkLeavingTheCacheFolderIsRefused(@TempDir Path elsewhere) throws Exception {
        Path repo = cache.resolve("models--org--evil");
        Path outside = elsewhere.resolve("secret.safetensors");
        Files.write(outside, TestCheckpoints.file("s", 1, 1));
        Path pointer = repo.resolve("snapshots").resolve(COMMIT).resolve("model-00001-of-00001.safetensors");
        Files.createDirectories(pointer.getParent());
        Files.createSymbolicLink(pointer, outside);
        Files.writeString(pointer.resolveSibling("model.safetensors.index.json"),
                "{\"weight_map\": {\"s\": \"model-00001-of-00001.safetensors\"}}");
        try (HubClient hub = offline()) {
            assertThatThrownBy(() -> hub.open(HfUri.parse("hf://org/evil@" + COMMIT)))
                    .hasMessageContaining("outside the cache folder");
        }
    }

    @Test
    void findsDatasetFilesAtATag() {
        try (HubClient hub = offline();
             Checkpoint c = hub.open(HfUri.parse("hf://datasets/org/corpus@v1/data/train.safetensors"))) {
            assertThat(c.names()).containsExactly("tokens");
        }
        HubCache found = HubCache.at(cache);
        assertThat(found.find(HfUri.parse("hf://datasets/org/corpus@v1/data/train.safetensors")))
                .contains(cache.resolve("datasets--org--corpus/snapshots/" + COMMIT + "/data/train.safetensors"));
        assertThat(found.commit(HfUri.parse("hf://datasets/org/corpus@v1"))).contains(COMMIT);
    }

    @Test
    void downloadingOfflineReturnsWhatTheCacheHolds() {
        try (HubClient hub = offline()) {
            assertThat(hub.download(HfUri.parse("hf://org/cached")))
                    .isEqualTo(cache.resolve("models--org--cached/snapshots/" + COMMIT));
            assertThat(hub.download(HfUri.parse("hf://org/cached/config.json")))
                    .isEqualTo(cache.resolve("models--org--cached/snapshots/" + COMMIT + "/config.json"));
        }
    }

    @Test
    void whatTheCacheLacksIsAnErrorNamingWhereItLooked() {
        try (HubClient hub = offline()) {
            assertThatThrownBy(() -> hub.open(HfUri.parse("hf://org/cached/missing.safetensors")))
                    .hasMessageContaining("offline")
                    .hasMessageContaining("snapshots/" + COMMIT + "/missing.safetensors");
            assertThatThrownBy(() -> hub.open(HfUri.parse("hf://org/never-downloaded")))
                    .hasMessageContaining("offline")
                    .hasMessageContaining("models--org--never-downloaded");
        }
    }

    @Test
    void hfHubOfflineInTheEnvironmentMeansOffline() {
        HubEnvironment env = HubEnvironment.from(Map.of("HF_HUB_OFFLINE", "1", "HF_HUB_CACHE", cache.toString()),
                "/home/nobody");
        assertThat(env.offline()).isTrue();
        assertThat(env.cache()).isEqualTo(cache);
    }

    @Test
    void whenTheNetworkIsDownTheCachedRevisionIsUsed() {
        try (HubClient hub = HubClient.builder().endpoint(URI.create("http://127.0.0.1:9")).token(null).cacheDir(cache)
                .offline(false).retries(0, Duration.ZERO, Duration.ZERO).build();
             Checkpoint c = hub.open(HfUri.parse("hf://org/cached/model.safetensors"))) {
            assertThat(c.names()).containsExactly("w");
        }
    }
}
