package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed write leaves the old file exactly as it was, and no temp file behind. */
class AtomicWriteTest {
    @TempDir
    Path dir;
    Path target;
    byte[] old;

    @BeforeEach
    void writeOldFile() throws IOException {
        target = dir.resolve("model.safetensors");
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2})).write(target);
        old = Files.readAllBytes(target);
    }

    @Test
    void exceptionFromADataSourceMidWriteLeavesTheOldFile() {
        RuntimeException boom = new IllegalStateException("source failed");
        SafeTensorsWriter w = SafeTensorsWriter.create()
                .add("a", DType.U8, Shape.of(4 << 20), sink -> {
                    sink.write(new byte[3 << 20]);   // several buffers reach the temp file first
                    throw boom;
                });
        assertThatThrownBy(() -> w.write(target)).isSameAs(boom);
        assertUnchanged();
    }

    @Test
    void ioExceptionFromADataSourceIsReportedAsIoErrorAndLeavesTheOldFile() {
        SafeTensorsWriter w = SafeTensorsWriter.create()
                .add("a", DType.U8, Shape.of(8), sink -> {
                    throw new IOException("network share went away");
                });
        assertThatThrownBy(() -> w.write(target)).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
            assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.IoError);
            assertThat(e.getMessage()).contains(target.toString()).contains("network share went away");
        });
        assertUnchanged();
    }

    @Test
    void shortDataSourceLeavesTheOldFile() {
        // A callback's size is only known as it streams (array data is refused at add: WriterDeclarationTest).
        SafeTensorsWriter w = SafeTensorsWriter.create().add("a", DType.U8, Shape.of(8), sink -> sink.write(new byte[7]));
        assertThatThrownBy(() -> w.write(target)).isInstanceOfSatisfying(SafeTensorsException.class,
                e -> assertThat(e.getMessage()).contains("`a`").contains("declares 8 bytes"));
        assertUnchanged();
    }

    @Test
    void unwritableDirectoryIsAClearIoError() throws IOException {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            // Root ignores permission bits; the check only means something for other users.
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(locked), "running as root");
            assertThatThrownBy(() -> SafeTensorsWriter.create().write(locked.resolve("x.safetensors")))
                    .isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                        assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.IoError);
                        assertThat(e.getMessage()).contains("permission denied");
                    });
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void writingOverADirectoryIsAClearIoError() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        assertThatThrownBy(() -> SafeTensorsWriter.create().write(sub))
                .isInstanceOfSatisfying(SafeTensorsException.class,
                        e -> assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.IoError));
    }

    @Test
    void replacingKeepsThePermissionsOfTheOldFile() throws IOException {
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
        SafeTensorsWriter.create().write(target);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r-----");
    }

    @Test
    void overwritingAFileThatIsStillMappedKeepsTheReaderConsistent() {
        try (SafeTensorsFile f = SafeTensorsFile.open(target)) {
            Tensor w = f.tensor("w");
            // Rewrite the file from its own mapping (the reference's issue #762 zero-filled this case).
            SafeTensorsWriter.create().add("w", DType.F32, Shape.of(2), TensorData.of(w.data())).write(target);
            assertThat(w.toFloatArray()).containsExactly(1, 2);
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(target)) {
            assertThat(f.tensor("w").toFloatArray()).containsExactly(1, 2);
        }
    }

    @Test
    void orphanedTempFilesAreRemovedByTheNextWrite() throws IOException {
        Path orphan = dir.resolve(".model.safetensors.0123456789abcdef.safetensors-tmp");
        Files.write(orphan, new byte[100]);
        SafeTensorsWriter.create().write(dir.resolve("other.safetensors"));
        assertThat(orphan).doesNotExist();
    }

    private void assertUnchanged() {
        try {
            assertThat(Files.readAllBytes(target)).isEqualTo(old);
            try (var files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactly("model.safetensors");
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
