package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.SafeTensorsException.Kind;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A checkpoint keeps at most {@link OpenOptions#maxOpenShards()} shard files open; tensors and views of a
 * shard whose file the pool closed stay correct, and a shard replaced on disk meanwhile is an error.
 */
class ShardPoolTest {
    @TempDir
    Path dir;

    private static final int SHARDS = 12;

    /** SHARDS shards of 4 KiB tensors; shard i holds t{i} filled with i. */
    private void writeShards() {
        Map<String, String> weightMap = new TreeMap<>();
        for (int i = 1; i <= SHARDS; i++) {
            String shard = String.format("model-%05d-of-%05d.safetensors", i, SHARDS);
            byte[] data = new byte[4096];
            java.util.Arrays.fill(data, (byte) i);
            SafeTensorsWriter.create().add("t" + i, DType.U8, Shape.of(4096), TensorData.of(data)).write(dir.resolve(shard));
            weightMap.put("t" + i, shard);
        }
        TestFiles.write(dir, "model.safetensors.index.json",
                ShardIndex.of(Map.of("total_size", 4096L * SHARDS), weightMap).toJson().getBytes());
    }

    private static void assertFilled(byte[] data, int value) {
        byte[] expected = new byte[4096];
        java.util.Arrays.fill(expected, (byte) value);
        if (!java.util.Arrays.equals(data, expected)) {
            throw new AssertionError("tensor t" + value + " does not read as " + value + " throughout");
        }
    }

    /** Descriptors this process holds on files of the checkpoint directory, from /proc/self/fd. */
    private long openDescriptors() throws IOException {
        Path fds = Path.of("/proc/self/fd");
        Assumptions.assumeTrue(Files.isDirectory(fds), "needs /proc/self/fd (Linux) to count open files");
        long n = 0;
        try (Stream<Path> s = Files.list(fds)) {
            for (Path fd : s.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).startsWith(dir.toRealPath())) {
                        n++;
                    }
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        return n;
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void atMostTheLimitIsOpenAndEveryTensorReadsRight(ReadStrategy strategy) throws IOException {
        writeShards();
        OpenOptions options = OpenOptions.defaults().withStrategy(strategy).withMaxOpenShards(3);
        try (Checkpoint ckpt = Checkpoint.open(dir, options)) {
            assertThat(openDescriptors()).isLessThanOrEqualTo(3);
            List<Tensor> views = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (int i = 1; i <= SHARDS; i++) {
                    Tensor t = ckpt.tensor("t" + i);
                    views.add(t);
                    assertFilled(t.toByteArray(), i);
                    assertThat(openDescriptors()).isLessThanOrEqualTo(3);
                }
            }
            // Tensors taken long ago, whose files the pool has closed since, still read right.
            for (Tensor t : views) {
                int i = Integer.parseInt(t.name().substring(1));
                assertFilled(t.toByteArray(), i);
                MemorySegment data = t.data();
                assertThat(data.get(ValueLayout.JAVA_BYTE, 4095)).isEqualTo((byte) i);
            }
        }
        assertThat(openDescriptors()).isZero();
    }

    /** Zero-copy views of mapped shards outlive their descriptors: mapping needs none. */
    @Test
    void mappedViewsOutliveTheirFiles() throws IOException {
        writeShards();
        try (Checkpoint ckpt = Checkpoint.open(dir, OpenOptions.defaults().withMaxOpenShards(1))) {
            List<MemorySegment> views = new ArrayList<>();
            for (int i = 1; i <= SHARDS; i++) {
                views.add(ckpt.tensor("t" + i).data());
            }
            assertThat(openDescriptors()).isZero();
            for (int i = 1; i <= SHARDS; i++) {
                assertThat(views.get(i - 1).get(ValueLayout.JAVA_BYTE, 17)).isEqualTo((byte) i);
            }
        }
    }

    @Test
    void manyThreadsShareASmallPool() throws Exception {
        writeShards();
        OpenOptions options = OpenOptions.defaults().withStrategy(ReadStrategy.PREAD).withMaxOpenShards(2);
        try (Checkpoint ckpt = Checkpoint.open(dir, options); ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int seed = w;
                done.add(pool.submit(() -> {
                    for (int k = 0; k < 100; k++) {
                        int i = 1 + (seed * 7 + k * 5) % SHARDS;
                        assertFilled(ckpt.tensor("t" + i).toByteArray(), i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
    }

    /** A shard replaced on disk after its file was closed is refused when reopened, not read under the old header. */
    @Test
    void aShardReplacedWhileClosedIsAnError() throws IOException {
        writeShards();
        OpenOptions options = OpenOptions.defaults().withStrategy(ReadStrategy.PREAD).withMaxOpenShards(1);
        try (Checkpoint ckpt = Checkpoint.open(dir, options)) {
            Tensor t1 = ckpt.tensor("t1");
            assertFilled(t1.toByteArray(), 1);
            ckpt.tensor("t2").toByteArray();     // the pool closes shard 1
            byte[] other = new byte[4096];
            java.util.Arrays.fill(other, (byte) 99);
            SafeTensorsWriter.create().add("t1", DType.U8, Shape.of(4096), TensorData.of(other))
                    .write(dir.resolve("model-00001-of-00012.safetensors"));
            assertThatThrownBy(t1::toByteArray).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                assertThat(e.kind()).isEqualTo(Kind.IoError);
                assertThat(e.getMessage()).contains("model-00001-of-00012.safetensors").contains("changed on disk");
            });
        }
    }

    /**
     * A shard rewritten in place (same size, same inode) after the checkpoint opened it: every copy-out of it
     * is an IoError, under both strategies, as for a single file (the shard's source is checked like any file
     * source); before, the new bytes came back under the old header.
     */
    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void aShardRewrittenInPlaceWhileOpenIsAnError(ReadStrategy strategy) throws IOException {
        writeShards();
        try (Checkpoint ckpt = Checkpoint.open(dir, OpenOptions.defaults().withStrategy(strategy))) {
            Tensor t3 = ckpt.tensor("t3");
            assertFilled(t3.toByteArray(), 3);
            Path shard = dir.resolve("model-00003-of-00012.safetensors");
            long size = Files.size(shard);
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(shard,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[] {42, 42, 42, 42}), size - 4);
            }
            Files.setLastModifiedTime(shard, java.nio.file.attribute.FileTime.fromMillis(
                    Files.getLastModifiedTime(shard).toMillis() + 2000));   // past any timestamp granularity
            assertThat(Files.size(shard)).isEqualTo(size);
            assertThatThrownBy(t3::toByteArray).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                assertThat(e.kind()).isEqualTo(Kind.IoError);
                assertThat(e.getMessage()).contains("model-00003-of-00012.safetensors").contains("changed on disk");
            });
            assertThatThrownBy(() -> t3.slice("::-1").toByteArray()).isInstanceOf(SafeTensorsException.class);
        }
    }

    /** Asking whether a shard is mapped answers from the strategy and maps nothing. */
    @Test
    void askingWhetherAShardIsMappedDoesNotMapIt() throws IOException {
        writeShards();
        Path maps = Path.of("/proc/self/maps");
        Assumptions.assumeTrue(Files.isReadable(maps), "needs /proc/self/maps");
        String name = dir.resolve("model-00004-of-00012.safetensors").toRealPath().toString();
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir, OpenOptions.defaults())) {
            SafeTensorsFile shard = ckpt.shardOf("t4");
            assertThat(shard.isMapped()).isTrue();
            assertThat(Files.readString(maps)).as("mappings after isMapped()").doesNotContain(name);
            assertFilled(ckpt.tensor("t4").toByteArray(), 4);
            assertThat(Files.readString(maps)).as("mappings after a read").contains(name);
        }
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir,
                OpenOptions.defaults().withStrategy(ReadStrategy.PREAD))) {
            assertThat(ckpt.shardOf("t4").isMapped()).isFalse();
        }
    }

    /** An interrupted positional read closes its FileChannel: only that read fails, the next one reopens the file. */
    @Test
    void anInterruptedReadFailsAloneAndTheShardReadsOnAfter() {
        writeShards();
        try (Checkpoint ckpt = Checkpoint.open(dir, OpenOptions.defaults().withStrategy(ReadStrategy.PREAD))) {
            Tensor t = ckpt.tensor("t5");
            for (int round = 0; round < 5; round++) {
                Thread.currentThread().interrupt();
                try {
                    t.toByteArray();
                } catch (SafeTensorsException e) {
                    assertThat(e.kind()).isEqualTo(Kind.IoError);
                } finally {
                    Thread.interrupted();
                }
                assertFilled(t.toByteArray(), 5);
            }
        }
    }

    @Test
    void theLimitMustBePositive() {
        assertThatThrownBy(() -> OpenOptions.defaults().withMaxOpenShards(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
