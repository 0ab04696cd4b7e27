package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names chosen to collide cannot slow opening down. The blocks {@code Aa} and {@code BB} have the same
 * {@link String#hashCode}, so the 2^16 names made of 16 such blocks all share one hash: with a hash a file
 * can predict, opening them is quadratic (40 s and more). Each case opens the colliding names and as many
 * ordinary names of the same length, in the same run, and compares the fastest of several rounds.
 */
class HashFloodingTest {
    private static final int BLOCKS = 16;   // 2^16 names

    @Test
    void collidingNamesAreDistinctAndShareAStringHash() {
        List<String> names = colliding();
        assertThat(names).hasSize(1 << BLOCKS).doesNotHaveDuplicates();
        assertThat(names.stream().map(String::hashCode).distinct()).hasSize(1);
    }

    @Test
    void collidingTensorNamesOpenAsFastAsOrdinaryOnes() {
        assertSimilarCost(HashFloodingTest::tensors);
    }

    @Test
    void collidingMetadataKeysOpenAsFastAsOrdinaryOnes() {
        assertSimilarCost(HashFloodingTest::metadata);
    }

    /**
     * The same names in a sharded checkpoint: the index and the shards are cross-checked through
     * {@code HashMap}s keyed by name, which keep colliding {@code String} keys in a tree (JEP 180): each
     * operation is logarithmic, not linear, so 2^16 colliding names cost a few times more (4x measured),
     * never quadratically more. The bound here is that: 8x.
     */
    @Test
    void collidingNamesInAShardedCheckpointCostAtMostALogarithmicFactor(@TempDir Path dir) throws IOException {
        Path colliding = shardedCheckpoint(dir.resolve("colliding"), colliding());
        Path ordinary = shardedCheckpoint(dir.resolve("ordinary"), ordinary());
        assertSimilarCost(() -> openAndLookUp(colliding), () -> openAndLookUp(ordinary), 8);
    }

    /** Opens both headers (and looks every name up) in alternation; the colliding one may cost at most 2x. */
    private static void assertSimilarCost(Function<List<String>, byte[]> header) {
        byte[] colliding = header.apply(colliding());
        byte[] ordinary = header.apply(ordinary());
        assertSimilarCost(() -> openAndLookUp(colliding), () -> openAndLookUp(ordinary), 2);
    }

    private static void assertSimilarCost(LongSupplier collidingRun, LongSupplier ordinaryRun, double factor) {
        long bestColliding = Long.MAX_VALUE;
        long bestOrdinary = Long.MAX_VALUE;
        for (int round = 0; round < 8; round++) {
            bestOrdinary = Math.min(bestOrdinary, ordinaryRun.getAsLong());
            long c = collidingRun.getAsLong();
            bestColliding = Math.min(bestColliding, c);
            if (round >= 2 && bestColliding <= factor * bestOrdinary || c > 50 * bestOrdinary) {
                break;   // settled either way
            }
        }
        assertThat((double) bestColliding / bestOrdinary)
                .as("colliding %d ms vs ordinary %d ms", bestColliding / 1_000_000, bestOrdinary / 1_000_000)
                .isLessThanOrEqualTo(factor);
    }

    /** Nanoseconds to parse and validate the header, then find every tensor and metadata key in it. */
    private static long openAndLookUp(byte[] json) {
        long start = System.nanoTime();
        Header h = Header.parse(json, 1 << BLOCKS, "flood");
        for (String n : h.names()) {
            if (!h.contains(n)) {
                throw new AssertionError("lost " + n);
            }
        }
        h.metadata().ifPresent(m -> m.keySet().forEach(k -> {
            if (!m.containsKey(k)) {
                throw new AssertionError("lost key " + k);
            }
        }));
        return System.nanoTime() - start;
    }

    private static long openAndLookUp(Path checkpoint) {
        long start = System.nanoTime();
        try (Checkpoint c = Checkpoint.open(checkpoint)) {
            for (String n : c.names()) {
                if (!c.contains(n)) {
                    throw new AssertionError("lost " + n);
                }
            }
        }
        return System.nanoTime() - start;
    }

    /** One shard holding a tensor per name, and an index mapping every name to it. */
    private static Path shardedCheckpoint(Path dir, List<String> names) throws IOException {
        Files.createDirectories(dir);
        byte[] header = tensors(names);
        Files.write(dir.resolve("model-00001-of-00001.safetensors"), ByteBuffer.allocate(8 + header.length + names.size())
                .order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).put(header).array());
        StringBuilder index = new StringBuilder("{\"metadata\":{\"total_size\":").append(names.size()).append("},\"weight_map\":{");
        for (int i = 0; i < names.size(); i++) {
            index.append(i == 0 ? "" : ",").append('"').append(names.get(i)).append("\":\"model-00001-of-00001.safetensors\"");
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.append("}}"));
        return dir;
    }

    /** One U8[1] tensor per name (2^16 data bytes); a header of about 5 MB. */
    private static byte[] tensors(List<String> names) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < names.size(); i++) {
            sb.append(i == 0 ? "" : ",").append('"').append(names.get(i))
                    .append("\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[").append(i).append(',').append(i + 1).append("]}");
        }
        return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The names as metadata keys, beside the same 2^16 bytes of tensors with ordinary names. */
    private static byte[] metadata(List<String> keys) {
        StringBuilder sb = new StringBuilder("{\"__metadata__\":{");
        for (int i = 0; i < keys.size(); i++) {
            sb.append(i == 0 ? "" : ",").append('"').append(keys.get(i)).append("\":\"v\"");
        }
        sb.append("},\"t\":{\"dtype\":\"U8\",\"shape\":[").append(1 << BLOCKS).append("],\"data_offsets\":[0,")
                .append(1 << BLOCKS).append("]}}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> colliding() {
        List<String> names = new ArrayList<>(1 << BLOCKS);
        for (int bits = 0; bits < 1 << BLOCKS; bits++) {
            StringBuilder sb = new StringBuilder(2 * BLOCKS);
            for (int k = 0; k < BLOCKS; k++) {
                sb.append((bits >>> k & 1) == 0 ? "Aa" : "BB");
            }
            names.add(sb.toString());
        }
        return names;
    }

    /** As many names of the same length, as a real checkpoint spells them. */
    private static List<String> ordinary() {
        List<String> names = new ArrayList<>(1 << BLOCKS);
        for (int i = 0; i < 1 << BLOCKS; i++) {
            String n = "model.layers." + i + ".mlp.weight";
            names.add(n + "x".repeat(2 * BLOCKS - n.length()));
        }
        return names;
    }
}
