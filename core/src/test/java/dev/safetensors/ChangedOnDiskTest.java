package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mapped file truncated by someone else gives an IoError on read, not the JVM's InternalError. */
class ChangedOnDiskTest {
    @TempDir
    Path dir;

    private static void truncate(Path p, long length) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(length);
        }
    }

    @Test
    void truncatedWhileMapped() throws Exception {
        Path p = dir.resolve("t.safetensors");
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(1 << 20), TensorData.of(new float[1 << 20])).write(p);
        try (SafeTensorsFile before = SafeTensorsFile.open(p)) {
            truncate(p, 1 << 16);
            // Truncated before the first tensor access: the lazy mapping sees it and refuses.
            assertThatThrownBy(() -> before.tensor("w").toFloatArray()).isInstanceOfSatisfying(SafeTensorsException.class,
                    e -> assertThat(e.getMessage()).contains("changed on disk"));
        }
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(1 << 20), TensorData.of(new float[1 << 20])).write(p);
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertThat(f.isMapped()).isTrue();   // mapped now, truncated after
            try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
                raf.setLength(4096);
            }
            assertThatThrownBy(() -> f.tensor("w").toFloatArray()).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.IoError);
                assertThat(e.getMessage()).contains("changed on disk");
            });
            assertThatThrownBy(() -> f.tensor("w").slice("100000:").toByteArray()).isInstanceOf(SafeTensorsException.class);
            assertThatThrownBy(() -> SafeTensorsWriter.create().add("w", DType.F32, Shape.of(1 << 20),
                    TensorData.of(f.tensor("w").data())).write(dir.resolve("copy.safetensors")))
                    // Copied by the kernel from the mapping, the fault comes back as EFAULT ("Bad address").
                    .isInstanceOfSatisfying(SafeTensorsException.class,
                            e -> assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.IoError));
        }
    }
}
