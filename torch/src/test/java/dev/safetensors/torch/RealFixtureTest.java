package dev.safetensors.torch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The four real pickles from other projects, against what torch.load makes of them. */
class RealFixtureTest {
    static Stream<String> files() {
        return Fixtures.rows("real/MANIFEST.tsv").stream().map(c -> c[0]);
    }

    @ParameterizedTest
    @MethodSource("files")
    void everyTensorHasTorchsNameDtypeShapeAndBytes(String file) throws Exception {
        String[] row = Fixtures.rows("real/MANIFEST.tsv").stream().filter(c -> c[0].equals(file)).findFirst().orElseThrow();
        assertThat(Fixtures.sha256(Fixtures.real(file))).as("manifest checksum").isEqualTo(row[5]);
        assertThat(Files.size(Fixtures.real(file))).isEqualTo(Long.parseLong(row[4]));
        List<Expected> expected = Expected.byFile("real/expected.tsv").get(file);
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.real(file))) {
            assertThat(ckpt.format()).isEqualTo(TorchFormat.ZIP);
            assertThat(ckpt.names()).containsExactlyElementsOf(expected.stream().map(Expected::tensor).toList());
            for (Expected e : expected) {
                TorchTensor t = ckpt.tensor(e.tensor());
                assertThat(t.dtype().name()).as(e.tensor()).isEqualTo(e.dtype());
                assertThat(t.shape().toString()).as(e.tensor()).isEqualTo(e.shapeText());
                assertThat(Fixtures.sha256(t.toByteArray())).as(e.tensor()).isEqualTo(e.sha256());
            }
            assertThat(ckpt.duplicates()).isEmpty();
            assertThat(ckpt.skipped()).isEmpty();
        }
    }
}
