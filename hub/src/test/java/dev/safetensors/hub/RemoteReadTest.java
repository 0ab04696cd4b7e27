package dev.safetensors.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Tensor;
import dev.safetensors.hub.testing.HubServer;
import dev.safetensors.hub.testing.NeedsNginx;
import dev.safetensors.hub.testing.Nginx;
import dev.safetensors.hub.testing.TestCheckpoints;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints read in place from a Hub-shaped nginx: headers, tensors and slices, only the bytes asked for. */
@ExtendWith(NeedsNginx.class)
class RemoteReadTest {
    @TempDir
    static Path dir;
    static HubServer server;
    static HubClient hub;

    @BeforeAll
    static void start() throws Exception {
        if (!Nginx.installed()) {
            return;   // each test then says why it is skipped
        }
        Map<String, int[]> tensors = new LinkedHashMap<>();
        tensors.put("embed.weight", new int[] {64, 32});
        tensors.put("lm_head.weight", new int[] {256, 128});
        server = HubServer.builder(dir.resolve("www"))
                .repo("org/tiny", r -> r.lfs("model.safetensors", TestCheckpoints.file(tensors, Map.of("format", "pt")))
                        .file("config.json", "{\"model_type\": \"tiny\"}")
                        .lfs("weights/extra.safetensors", TestCheckpoints.file("x", 3, 4))
                        .revision("v1.0"))
                .start();
        hub = client(dir.resolve("cache"));
    }

    static HubClient client(Path cache) {
        return server.client(cache).build();
    }

    @AfterAll
    static void stop() {
        if (server == null) {
            return;
        }
        hub.close();
        server.close();
    }

    @Test
    void opensARepositoryByItsSingleFileAndReadsTensors() {
        try (Checkpoint c = hub.open(HfUri.parse("hf://org/tiny"))) {
            assertThat(c.names()).containsExactly("embed.weight", "lm_head.weight");
            assertThat(c.metadata()).contains(Map.of("format", "pt"));
            float[] embed = c.tensor("embed.weight").toFloatArray();
            assertThat(embed).hasSize(64 * 32);
            for (int i = 0; i < embed.length; i++) {
                assertThat(embed[i]).isEqualTo(TestCheckpoints.value(0, i));
            }
        }
    }

    @Test
    void readsARowSliceWithOnlyItsBytes() throws Exception {
        server.clearRequests();
        try (Checkpoint c = hub.open(HfUri.parse("hf://org/tiny/model.safetensors"))) {
            float[] rows = c.tensor("lm_head.weight").slice("8:10").toFloatArray();
            assertThat(rows).hasSize(2 * 128);
            for (int i = 0; i < rows.length; i++) {
                assertThat(rows[i]).isEqualTo(TestCheckpoints.value(1, 8 * 128 + i));
            }
        }
        List<HubServer.Request> data = server.requests().stream().filter(r -> r.host().equals("cdn")).toList();
        assertThat(data).hasSize(2);                              // the header probe, then the two rows
        assertThat(data.get(1).bytes()).isEqualTo(2 * 128 * 4);
    }

    @Test
    void aPinnedRevisionAndATagReadTheSameFile() {
        String commit = server.commit("org/tiny");
        for (String rev : List.of(commit, "v1.0")) {
            try (Checkpoint c = hub.open(HfUri.parse("hf://org/tiny@" + rev + "/weights/extra.safetensors"))) {
                assertThat(c.tensor("x").toFloatArray()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
            }
        }
    }

    @Test
    void largeReadsAreSplitIntoParallelRangesThatReassembleExactly() throws Exception {
        Map<String, int[]> big = Map.of("w", new int[] {1024, 1024});   // 4 MiB of F32
        try (HubServer s = HubServer.builder(dir.resolve("big"))
                .repo("org/big", r -> r.lfs("model.safetensors", TestCheckpoints.file(big, Map.of()))).start();
             HubClient c = s.client(dir.resolve("c2")).chunkSize(1 << 18).connections(4).build();
             Checkpoint ckpt = c.open(HfUri.parse("hf://org/big"));
             Arena arena = Arena.ofConfined()) {
            s.clearRequests();
            Tensor w = ckpt.tensor("w");
            MemorySegment dst = arena.allocate(w.byteSize());
            w.copyTo(dst);
            float[] got = dst.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED);
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).isEqualTo(TestCheckpoints.value(0, i));
            }
            List<HubServer.Request> rs = s.requests();
            assertThat(rs).hasSize(16);   // 4 MiB in 256 KiB ranges
            assertThat(rs).allMatch(r -> r.status() == 206 && r.range() != null);
        }
    }

    @Test
    void plainUrlsWorkWithoutTheHubsHeaders() {
        String sha = server.etag("org/tiny", "model.safetensors");
        URI url = URI.create("http://localhost:" + server.cdnPort() + "/blobs/" + sha);
        try (Checkpoint f = hub.openUrl(url, OpenOptions.defaults())) {
            assertThat(f.names()).containsExactly("embed.weight", "lm_head.weight");
            assertThat(f.tensor("embed.weight").toFloatArray()[5]).isEqualTo(5f);
            assertThat(f.description()).isEqualTo("http://localhost:" + server.cdnPort() + "/blobs/" + sha);
        }
    }

    @Test
    void aMissingFileIsEntryNotFoundWithTheHubsErrorCode() {
        assertThatThrownBy(() -> hub.open(HfUri.parse("hf://org/tiny/nope.safetensors")))
                .isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("hf://org/tiny/nope.safetensors")
                .hasMessageContaining("404")
                .hasMessageContaining("EntryNotFound")
                .satisfies(e -> assertThat(((HubHttpException) e.getCause()).entryNotFound()).isTrue());
    }

    @Test
    void aMissingRevisionOrRepositorySaysSo() {
        assertThatThrownBy(() -> hub.open(HfUri.parse("hf://org/tiny@nope/model.safetensors")))
                .hasMessageContaining("RevisionNotFound");
        assertThatThrownBy(() -> hub.open(HfUri.parse("hf://org/absent")))
                .hasMessageContaining("401")
                .hasMessageContaining("RepoNotFound")
                .hasMessageContaining("needs a token");
    }

    @Test
    void aRepositoryWithoutCheckpointNamesWhatIsMissing() throws Exception {
        try (HubServer s = HubServer.builder(dir.resolve("empty")).repo("org/none", r -> r.file("README.md", "hi")).start();
             HubClient c = s.client(dir.resolve("c3")).build()) {
            assertThatThrownBy(() -> c.open(HfUri.parse("hf://org/none")))
                    .hasMessageContaining("neither model.safetensors.index.json nor model.safetensors");
        }
    }
}
