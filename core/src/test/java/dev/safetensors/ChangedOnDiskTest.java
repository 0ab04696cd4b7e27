package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A file changed by someone else after it was opened: every copy-out of either strategy reports an
 * {@code IoError} naming the change, and never returns bytes that are not the file's, nor the JVM's
 * {@code InternalError}. A file replaced by rename is not a change: the handle reads the file it opened.
 */
class ChangedOnDiskTest {
    private static final int N = 1 << 18;

    @TempDir
    Path dir;

    /** Float i of tensor "w" is i + offset (never 0, so a zero read from a truncated page is wrong data). */
    private Path write(String name, float offset) throws Exception {
        float[] v = new float[N];
        for (int i = 0; i < N; i++) {
            v[i] = i + offset;
        }
        Path p = dir.resolve(name);
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(N), TensorData.of(v)).write(p);
        // Any later write gives a new modification time, whatever the file system's timestamp resolution.
        Files.setLastModifiedTime(p, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        return p;
    }

    /** The original bytes again, with a modification time far in the past. */
    private static void restore(Path p, byte[] image) throws Exception {
        Files.write(p, image);
        Files.setLastModifiedTime(p, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
    }

    private static void truncate(Path p, long length) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(length);
        }
    }

    /** Every library copy-out of tensor "w", whole and sliced. */
    private static List<Consumer<SafeTensorsFile>> copyOuts() {
        return List.of(
                f -> f.tensor("w").toByteArray(),
                f -> f.tensor("w").toFloatArray(),
                f -> f.tensor("w").toDoubleArray(),
                f -> {
                    try (Arena arena = Arena.ofConfined()) {
                        f.tensor("w").copyTo(arena.allocate(4L * N));
                    }
                },
                f -> {
                    try (Arena arena = Arena.ofConfined()) {
                        f.tensor("w").copyTo(4L * (N - 1024), arena.allocate(4096));
                    }
                },
                f -> f.tensor("w").slice("100000:").toByteArray(),
                f -> f.tensor("w").slice("::-1").toFloatArray(),
                f -> {
                    try (Arena arena = Arena.ofConfined()) {
                        f.tensor("w").slice("-1000:").copyTo(arena.allocate(4000));
                    }
                },
                f -> {
                    try {
                        f.tensor("w").slice("::3").writeTo(Channels.newChannel(new ByteArrayOutputStream()));
                    } catch (java.io.IOException e) {
                        throw new AssertionError(e);
                    }
                },
                f -> f.tensor("w").slice("5:").segments(),
                f -> f.tensor("w").data());
    }

    private static void assertChanged(Runnable read, String what) {
        assertThatThrownBy(read::run).as(what).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
            assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.IoError);
            assertThat(e.getMessage()).contains("changed on disk");
        });
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void truncationIsReportedByEveryCopyOut(ReadStrategy strategy) throws Exception {
        Path p = write("t.safetensors", 1);
        byte[] image = Files.readAllBytes(p);
        long size = image.length;
        // Cut inside the last page (bytes past the new end read as zeros there, no fault), then whole pages
        // away (a read faults).
        for (long length : new long[] {size - 10, size - 1000, size - 5 * 4096 - 100, 4096}) {
            List<Consumer<SafeTensorsFile>> reads = copyOuts();
            for (int k = 0; k < reads.size(); k++) {
                restore(p, image);
                try (SafeTensorsFile f = SafeTensorsFile.open(p, OpenOptions.defaults().withStrategy(strategy))) {
                    f.tensor("w").slice("0:4").toFloatArray();   // mapped now (with mmap), truncated after
                    truncate(p, length);
                    Consumer<SafeTensorsFile> read = reads.get(k);
                    assertChanged(() -> read.accept(f), "copy-out #" + k + " after truncation to " + length);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void aSameSizeRewriteInPlaceIsReportedByEveryCopyOut(ReadStrategy strategy) throws Exception {
        Path p = write("r.safetensors", 1);
        byte[] image = Files.readAllBytes(p);
        byte[] other = Files.readAllBytes(write("other.safetensors", 7));
        List<Consumer<SafeTensorsFile>> reads = copyOuts();
        for (int k = 0; k < reads.size(); k++) {
            restore(p, image);
            try (SafeTensorsFile f = SafeTensorsFile.open(p, OpenOptions.defaults().withStrategy(strategy))) {
                assertThat(f.tensor("w").slice("0:4").toFloatArray()).containsExactly(1, 2, 3, 4);
                try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
                    raf.write(other);    // same header, other values, same inode: as `cp other p` does
                }
                Consumer<SafeTensorsFile> read = reads.get(k);
                assertChanged(() -> read.accept(f), "copy-out #" + k + " after a rewrite");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void aFileReplacedByRenameIsStillReadAsOpened(ReadStrategy strategy) throws Exception {
        Path p = write("m.safetensors", 1);
        try (SafeTensorsFile f = SafeTensorsFile.open(p, OpenOptions.defaults().withStrategy(strategy))) {
            assertThat(f.tensor("w").slice("0:2").toFloatArray()).containsExactly(1, 2);
            // What atomic writers (ours, save_pretrained) do: a new file renamed over the old name.
            Files.move(write("next.safetensors", 7), p, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            float[] v = f.tensor("w").toFloatArray();
            assertThat(v[0]).isEqualTo(1);
            assertThat(v[N - 1]).isEqualTo(N);
            assertThat(f.tensor("w").slice("-2:").toFloatArray()).containsExactly(N - 1, N);
        }
    }

    @Test
    void truncatedBeforeTheFirstAccessIsRefusedByTheLazyMapping() throws Exception {
        Path p = write("lazy.safetensors", 1);
        try (SafeTensorsFile before = SafeTensorsFile.open(p)) {
            truncate(p, 1 << 16);
            assertChanged(() -> before.tensor("w").toFloatArray(), "first access after truncation");
        }
    }

    @Test
    void aWriterStreamingFromATruncatedMappingFailsWithIoError() throws Exception {
        Path p = write("src.safetensors", 1);
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            TensorData view = TensorData.of(f.tensor("w").data());
            truncate(p, 4096);
            assertThatThrownBy(() -> SafeTensorsWriter.create().add("w", DType.F32, Shape.of(N), view)
                    .write(dir.resolve("copy.safetensors")))
                    // Copied by the kernel from the mapping, the fault comes back as EFAULT ("Bad address").
                    .isInstanceOfSatisfying(SafeTensorsException.class,
                            e -> assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.IoError));
        }
    }
}
