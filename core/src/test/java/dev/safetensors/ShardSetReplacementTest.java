package dev.safetensors;

import dev.safetensors.testing.DirectoryVersion;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replacing a checkpoint in a directory, stopped after every change it makes to the directory: for every
 * kind of old directory and every kind of new checkpoint, each intermediate directory (copied at that moment,
 * temp files and all, as a crash would leave it) opens as the complete old or the complete new checkpoint,
 * never old again once new; and a later write from each of those states leaves exactly the newest checkpoint.
 *
 * <p>What a directory "opens as" is decided here independently of the library, as transformers'
 * {@code from_pretrained} decides it ({@code model.safetensors}, else the index's shards), plus the merge of
 * all files where there is neither; {@code Checkpoint.open} must agree.
 */
class ShardSetReplacementTest {
    @TempDir
    Path tmp;

    private static final int TENSORS = 6;
    private static final int BYTES = 64;
    private static final int NOTHING = DirectoryVersion.NOTHING;

    /** What the directory holds before the write. */
    enum Before { EMPTY, SINGLE, TWO, THREE, SIX, THREE_WITHOUT_INDEX, SINGLE_AND_STALE_INDEX, WITH_LEFTOVERS }

    /** Every old layout to every new one: THREE to three shards (and TWO to two, SIX to six) reuse the old names. */
    static Stream<Arguments> transitions() {
        List<Arguments> all = new ArrayList<>();
        for (Before b : Before.values()) {
            for (int shards : new int[] {1, 2, 3, 6}) {
                all.add(Arguments.of(b, shards));
            }
        }
        return all.stream();
    }

    /** Version v: tensors t0..t5 of 64 bytes, every byte v, in {@code shards} files (1: model.safetensors alone). */
    private static ShardedWriter version(int v, int shards) {
        ShardedWriter w = ShardedWriter.create((long) BYTES * TENSORS / shards).shardMetadata(Map.of("version", "" + v));
        for (int t = 0; t < TENSORS; t++) {
            byte[] data = new byte[BYTES];
            Arrays.fill(data, (byte) v);
            w.add("t" + t, DType.U8, Shape.of(BYTES), TensorData.of(data));
        }
        return w;
    }

    private static void setUp(Path dir, Before before) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");       // not the writer's: must survive
        switch (before) {
            case EMPTY -> { }
            case SINGLE -> version(1, 1).write(dir, "model");
            case TWO -> version(1, 2).write(dir, "model");
            case THREE -> version(1, 3).write(dir, "model");
            case SIX -> version(1, 6).write(dir, "model");
            case THREE_WITHOUT_INDEX -> {
                version(1, 3).write(dir, "model");
                Files.delete(dir.resolve("model.safetensors.index.json"));
            }
            case SINGLE_AND_STALE_INDEX -> {
                // As transformers leaves a directory saved sharded and then as one file: the index stays.
                version(0, 3).write(dir, "model");
                for (int i = 1; i <= 3; i++) {
                    Files.delete(dir.resolve(String.format("model-%05d-of-00003.safetensors", i)));
                }
                version(1, 1).write(dir, "model");
                Files.copy(dir.resolve("model.safetensors"), dir.resolve("keep.tmp"));
                version(0, 3).write(dir, "model");
                Files.move(dir.resolve("keep.tmp"), dir.resolve("model.safetensors"));
            }
            case WITH_LEFTOVERS -> {
                version(1, 2).write(dir, "model");
                Files.write(dir.resolve("model-00003-of-00005.safetensors"), new byte[] {1, 2, 3});
                Files.write(dir.resolve("model-00001-of-00002.staged-deadbeef.safetensors"), new byte[] {1});
            }
        }
    }

    /**
     * Where the states go: memory (/dev/shm) where there is one, since each write syncs a dozen times and the
     * states are judged as a reader sees them, not after a power loss; else the test's temp directory.
     */
    private Path work() throws IOException {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            Path dir = Files.createTempDirectory(shm, "safetensors-replacement-");
            created.add(dir);
            return dir;
        }
        return tmp;
    }

    private final List<Path> created = new ArrayList<>();

    @AfterEach
    void removeWork() throws IOException {
        for (Path d : created) {
            try (Stream<Path> s = Files.walk(d)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} -> {1} shard(s)")
    @MethodSource("transitions")
    void everyIntermediateDirectoryOpensAsOldOrNew(Before before, int shards) throws IOException {
        Path tmp = work();
        Path dir = Files.createDirectories(tmp.resolve("dir"));
        setUp(dir, before);
        int old = opensAs(dir);
        assertThat(old).isEqualTo(before == Before.EMPTY ? NOTHING : 1);
        List<Path> states = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        version(2, shards).write(dir, "model", step -> {
            steps.add(step);
            states.add(copy(dir, tmp.resolve("state-" + states.size())));
        });
        assertThat(opensAs(dir)).isEqualTo(2);
        assertThat(filesOf(dir)).isEqualTo(expected(shards));
        boolean sawNew = false;
        for (int k = 0; k < states.size(); k++) {
            int v = opensAs(states.get(k));
            String where = "after step " + k + " (" + steps.get(k) + ") of " + steps;
            if (sawNew) {
                assertThat(v).as(where + ": once new, never old again").isEqualTo(2);
            }
            assertThat(v).as(where).isIn(old, 2);
            sawNew |= v == 2;
            // A crash there, then the next write: exactly that newest checkpoint, nothing stale left.
            int next = new int[] {1, 2, 3, 6}[k % 4];
            version(3, next).write(states.get(k), "model");
            assertThat(opensAs(states.get(k))).as(where + ", then written again").isEqualTo(3);
            assertThat(filesOf(states.get(k))).as(where + ", then written again").isEqualTo(expected(next));
        }
        assertThat(sawNew).isTrue();
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.copy(p, to.resolve(p.getFileName()));
                }
            }
        }
        return to;
    }

    private static int opensAs(Path dir) throws IOException {
        return DirectoryVersion.of(dir, TENSORS);
    }

    private static Set<String> expected(int shards) {
        return DirectoryVersion.expected(shards, "config.json");
    }

    private static Set<String> filesOf(Path dir) throws IOException {
        return DirectoryVersion.names(dir);
    }
}
