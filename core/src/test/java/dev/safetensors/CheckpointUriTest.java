package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code Checkpoint.open(URI)}: {@code file:} as a path; other schemes only through a provider (none in core). */
class CheckpointUriTest {
    @TempDir
    Path dir;

    @Test
    void aFileUriOpensAsItsPath() {
        Path file = dir.resolve("m.safetensors");
        SafeTensorsWriter.create().add("t", DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2})).write(file);
        try (Checkpoint c = Checkpoint.open(file.toUri())) {
            assertThat(c.tensor("t").toFloatArray()).containsExactly(1, 2);
        }
    }

    @Test
    void aSchemeNothingOpensSaysWhatToAdd() {
        assertThatThrownBy(() -> Checkpoint.open(URI.create("s3://bucket/model.safetensors")))
                .isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("s3://bucket/model.safetensors")
                .hasMessageContaining("nothing opens `s3:` checkpoints")
                .satisfies(e -> assertThat(((SafeTensorsException) e).kind()).isEqualTo(SafeTensorsException.Kind.IoError));
    }
}
