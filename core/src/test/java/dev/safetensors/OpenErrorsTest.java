package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Files that cannot be opened at all give an IoError that says why, with either strategy. */
class OpenErrorsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void missingFile(ReadStrategy strategy) {
        Path missing = dir.resolve("nope.safetensors");
        assertThatThrownBy(() -> SafeTensorsFile.open(missing, OpenOptions.defaults().withStrategy(strategy)))
                .isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                    assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.IoError);
                    assertThat(e.getMessage()).isEqualTo(missing + ": cannot open the file: no such file");
                });
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void directory(ReadStrategy strategy) throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        assertThatThrownBy(() -> SafeTensorsFile.open(sub, OpenOptions.defaults().withStrategy(strategy)))
                .isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                    assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.IoError);
                    assertThat(e.getMessage()).isEqualTo(sub + ": is a directory, not a safetensors file; "
                            + "open a directory of shards with Checkpoint.open");
                });
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void tensorNotFoundNamesTheFileAndTheTensor(ReadStrategy strategy) {
        Path f = TestFiles.fixture("reference-samples/f.safetensors");
        try (SafeTensorsFile file = SafeTensorsFile.open(f, OpenOptions.defaults().withStrategy(strategy))) {
            assertThatThrownBy(() -> file.tensor("g")).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.TensorNotFound);
                assertThat(e.getMessage()).startsWith(f.toString()).contains("`g`");
            });
            assertThatThrownBy(() -> file.tensor("f").toLongArray()).isInstanceOfSatisfying(SafeTensorsException.class,
                    e -> assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidTensorView));
        }
    }
}
