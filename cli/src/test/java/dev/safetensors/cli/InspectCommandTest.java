package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class InspectCommandTest {

    @Test
    void versionNamesTheProject() {
        Cli r = Cli.run("--version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("safetensors-java 0.1.0");
    }

    /** The bundled sample is burn's MNIST CNN: 20 tensors, I64x2 and F32x18, 1,507,768 data bytes. */
    @Test
    void withoutAPathInspectsTheBundledSample() {
        Cli r = Cli.run("inspect");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("mnist.safetensors (bundled sample)")
                .contains("header 1,520 bytes, data 1,507,768 bytes, 20 tensors")
                .contains("metadata: none")
                .containsPattern("fc1.weight +F32 +\\[32, 11616\\] +1,486,848")
                .containsPattern("norm1.num_batches_tracked +I64 +\\[\\] +8")
                .contains("I64 2;")
                .contains("1,507,768 bytes");
    }

    @Test
    void jsonDescribesEachFileOnOneLine() throws Exception {
        String path = Cli.fixture("reference-samples/f.safetensors").toString();
        Cli r = Cli.run("inspect", "--json", "--sha256", path, path);
        assertThat(r.exitCode()).isZero();
        // range(-3, 3) as little-endian float32, hashed here, not by the tool.
        ByteBuffer bytes = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int v = -3; v < 3; v++) {
            bytes.putFloat(v);
        }
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
        String expected = "{\"path\": \"" + path + "\", \"header_size\": 83, \"metadata\": {\"test\": \"a\"}, "
                + "\"tensors\": {\"f\": {\"dtype\": \"F32\", \"shape\": [6], \"data_offsets\": [0, 24], \"sha256\": \""
                + sha + "\"}}}";
        assertThat(r.out().lines()).containsExactly(expected, expected);
    }

    @Test
    void jsonMetadataIsNullWhenAbsent() {
        Cli r = Cli.run("inspect", "--json", Cli.fixture("deepjavalibrary__djl__api__src__test__resources__list.safetensors").toString());
        assertThat(r.out()).contains("\"metadata\": null")
                .contains("\"attention\": {\"dtype\": \"I8\", \"shape\": [2, 3], \"data_offsets\": [0, 6]}");
    }

    @Test
    void invalidFileIsReportedWithItsKind() {
        Cli r = Cli.run("inspect", Cli.fixture("syoyo__safetensors-cpp__test__safetensors_abuse_attempt_1.safetensors").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("safetensors: InvalidHeaderLength: ").contains("1000 bytes");
    }
}
