package dev.safetensors.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.Checkpoint;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.TensorSlice;
import dev.safetensors.hub.testing.HubServer;
import dev.safetensors.hub.testing.NeedsNginx;
import dev.safetensors.hub.testing.Nginx;
import dev.safetensors.hub.testing.TestCheckpoints;
import dev.safetensors.parallel.ParallelPlan;
import dev.safetensors.parallel.Placement;
import dev.safetensors.parallel.RankPiece;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded repository read in place: the index, then each shard's header with at most two range requests, and
 * tensors, slices and tensor-parallel pieces with only their bytes, merged into few requests.
 */
@ExtendWith(NeedsNginx.class)
class ShardedRemoteTest {
    static final int SHARDS = 3;
    @TempDir
    static Path dir;
    static HubServer server;
    static HubClient hub;

    @BeforeAll
    static void start() throws Exception {
        if (!Nginx.installed()) {
            return;   // each test then says why it is skipped
        }
        server = HubServer.builder(dir.resolve("www")).repo("org/sharded", r -> {
            StringBuilder map = new StringBuilder();
            for (int s = 1; s <= SHARDS; s++) {
                String shard = "model-0000" + s + "-of-0000" + SHARDS + ".safetensors";
                Map<String, int[]> tensors = new LinkedHashMap<>();
                tensors.put("layers." + s + ".w", new int[] {256, 128});
                tensors.put("layers." + s + ".b", new int[] {1, 128});
                r.lfs(shard, TestCheckpoints.file(tensors, Map.of("format", "pt")));
                for (String t : tensors.keySet()) {
                    map.append(map.isEmpty() ? "" : ", ").append('"').append(t).append("\": \"").append(shard).append('"');
                }
            }
            r.file("model.safetensors.index.json", "{\"metadata\": {\"total_size\": 1234}, \"weight_map\": {" + map + "}}");
            // A shard whose header is longer than the first, speculative read.
            Map<String, int[]> many = new LinkedHashMap<>();
            for (int i = 0; i < 2500; i++) {
                many.put("a.rather.long.tensor.name.to.make.the.header.large." + i, new int[] {1, 1});
            }
            r.lfs("big-header.safetensors", TestCheckpoints.file(many, Map.of()));
        }).start();
        hub = server.client(dir.resolve("cache")).build();
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
    void opensTheIndexAndEveryShardsHeaderWithAtMostTwoRequestsEach() throws Exception {
        server.clearRequests();
        try (Checkpoint c = hub.open(HfUri.parse("hf://org/sharded"))) {
            assertThat(c.names()).hasSize(2 * SHARDS);
            assertThat(((ShardedCheckpoint) c).shards()).hasSize(SHARDS);
            assertThat(c.metadata().orElseThrow()).containsEntry("total_size", "1234");
        }
        List<HubServer.Request> rs = server.requests();
        // The index (one answer from the Hub), then per shard the Hub's redirect and one range from the file server.
        assertThat(rs).hasSizeLessThanOrEqualTo(2 * SHARDS + 1);
        assertThat(rs.stream().filter(r -> r.uri().endsWith("index.json"))).hasSize(1);
        assertThat(rs.stream().filter(r -> r.host().equals("cdn"))).hasSize(SHARDS)
                .allMatch(r -> r.status() == 206 && "bytes=0-100000".equals(r.range()));
        // Shards are fetched at the commit the index came from, not at the moving branch.
        String commit = server.commit("org/sharded");
        assertThat(rs.stream().filter(r -> r.host().equals("hub") && r.uri().contains("model-0000")))
                .allMatch(r -> r.uri().contains("/resolve/" + commit + "/"));
    }

    @Test
    void metadataCountsParametersPerDtypeAsTheHubDoes() {
        SafetensorsMetadata m = hub.metadata(HfUri.parse("hf://org/sharded"));
        assertThat(m.sharded()).isTrue();
        assertThat(m.files()).containsOnlyKeys("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors");
        assertThat(m.parameterCount()).containsExactly(Map.entry(dev.safetensors.DType.F32, 3L * (256 * 128 + 128)));
        assertThat(m.totalParameters()).isEqualTo(3L * (256 * 128 + 128));
        assertThat(m.indexMetadata()).containsEntry("total_size", 1234L);
        assertThat(m.weightMap()).containsEntry("layers.2.b", "model-00002-of-00003.safetensors");

        SafetensorsMetadata single = hub.metadata(HfUri.parse("hf://org/sharded/big-header.safetensors"));
        assertThat(single.sharded()).isFalse();
        assertThat(single.parameterCount()).containsExactly(Map.entry(dev.safetensors.DType.F32, 2500L));
    }

    @Test
    void aHeaderLongerThanTheSpeculativeReadTakesOneMoreRange() throws Exception {
        server.clearRequests();
        try (Checkpoint c = hub.open(HfUri.parse("hf://org/sharded/big-header.safetensors"))) {
            assertThat(c.size()).isEqualTo(2500);
        }
        List<HubServer.Request> ranges = server.requests().stream().filter(r -> r.range() != null && r.host().equals("cdn"))
                .toList();
        assertThat(ranges).hasSize(2);
        assertThat(ranges.get(1).range()).startsWith("bytes=100001-");
    }

    @Test
    void readsTensorsFromTheirShards() {
        try (Checkpoint c = hub.open(HfUri.parse("hf://org/sharded"))) {
            float[] b3 = c.tensor("layers.3.b").toFloatArray();
            for (int i = 0; i < 128; i++) {
                assertThat(b3[i]).isEqualTo(TestCheckpoints.value(1, i));
            }
        }
    }

    @Test
    void aColumnSliceIsOneMergedRequest() throws Exception {
        try (Checkpoint c = hub.open(HfUri.parse("hf://org/sharded"))) {
            server.clearRequests();
            TensorSlice cols = c.tensor("layers.2.w").slice(":, 32:64");   // 256 runs of 128 bytes
            float[] got = cols.toFloatArray();
            for (int r = 0; r < 256; r++) {
                for (int k = 0; k < 32; k++) {
                    assertThat(got[r * 32 + k]).isEqualTo(TestCheckpoints.value(0, r * 128 + 32 + k));
                }
            }
            List<HubServer.Request> rs = server.requests();
            assertThat(rs).hasSize(1);
            assertThat(rs.getFirst().bytes()).isLessThan(256 * 128 * 4);   // the span, not the whole tensor
        }
    }

    @Test
    void aTensorParallelRankReadsOnlyItsPiecesInFewRequests() throws Exception {
        ParallelPlan plan = ParallelPlan.builder(4)
                .place(".*\\.w", Placement.SPLIT_DIM1)
                .place(".*\\.b", Placement.REPLICATE)
                .build();
        try (Checkpoint c = hub.open(HfUri.parse("hf://org/sharded")); Arena arena = Arena.ofConfined()) {
            server.clearRequests();
            List<RankPiece> pieces = plan.pieces(c, 1, 0);
            assertThat(pieces).hasSize(2 * SHARDS);
            for (RankPiece p : pieces) {
                MemorySegment dst = arena.allocate(p.slice().byteSize());
                p.slice().copyTo(dst);
                if (p.name().endsWith(".w")) {
                    float[] got = dst.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
                    for (int r = 0; r < 256; r++) {
                        assertThat(got[r * 32]).isEqualTo(TestCheckpoints.value(0, r * 128 + 32));
                    }
                }
            }
            assertThat(server.requests()).hasSize(2 * SHARDS);   // one per piece, however many rows it spans
        }
    }
}
