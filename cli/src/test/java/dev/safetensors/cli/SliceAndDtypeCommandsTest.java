package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SliceAndDtypeCommandsTest {
    @TempDir
    Path dir;

    @Test
    void extractWithASliceMatchesNumpy() throws Exception {
        Path st = dir.resolve("a.safetensors");
        SafeTensorsWriter.create().add("f32_2x3", DType.F32, Shape.of(2, 3), TensorData.of(new float[] {0, 1, 2, 3, 4, 5}))
                .write(st);
        String[][] cases = {{":, 1:3", "f32_2x3_cols_1to3"}, {"-1, ::-1", "f32_2x3_rev_row1"}};
        for (String[] c : cases) {
            Path out = dir.resolve(c[1] + ".npy");
            Cli r = Cli.run("extract", st.toString(), "f32_2x3", "--slice", c[0], "-o", out.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
            try (var in = getClass().getResourceAsStream("/npy/" + c[1] + ".npy")) {
                assertThat(Files.readAllBytes(out)).as(c[0]).isEqualTo(in.readAllBytes());
            }
        }
        Cli bad = Cli.run("extract", st.toString(), "f32_2x3", "--slice", "5", "-o", dir.resolve("x.npy").toString());
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).contains("SliceOutOfRange").contains("dimension #0 of size 2");
    }

    /** Run:ai's test file to BF16: float tensors re-encoded (round to nearest even), integers kept. */
    @Test
    void convertToBf16ConvertsOnlyFloatingTensors() {
        Path in = Cli.fixture(
                "run-ai__runai-model-streamer__py__runai_model_streamer__runai_model_streamer__safetensors_streamer__tests__test_files__test.safetensors");
        Path out = dir.resolve("bf16.safetensors");
        Cli r = Cli.run("convert", in.toString(), out.toString(), "--dtype", "BF16");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("(3 converted)");
        try (SafeTensorsFile f = SafeTensorsFile.open(out)) {
            assertThat(f.tensor("tensor1.float32").dtype()).isEqualTo(DType.BF16);
            assertThat(f.tensor("tensor1.float64").dtype()).isEqualTo(DType.BF16);
            assertThat(f.tensor("tensor1.float16").dtype()).isEqualTo(DType.BF16);
            assertThat(f.tensor("tensor1.int64").toLongArray()).containsExactly(11, 12, 21, 22, 31, 32);
            // 1.1f = 0x3F8CCCCD rounds to 0x3F8D = 1.1015625; 3.2f = 0x404CCCCD rounds to 0x404D = 3.203125.
            assertThat(f.tensor("tensor1.float32").toFloatArray()).startsWith(1.1015625f).endsWith(3.203125f);
            assertThat(f.metadata()).hasValue(java.util.Map.of("format", "pt"));
        }
        Path some = dir.resolve("some.safetensors");
        assertThat(Cli.run("convert", in.toString(), some.toString(), "--dtype", "F8_E4M3", "--only", "float(32|64)$")
                .exitCode()).isZero();
        try (SafeTensorsFile f = SafeTensorsFile.open(some)) {
            assertThat(f.tensor("tensor1.float32").dtype()).isEqualTo(DType.F8_E4M3);
            assertThat(f.tensor("tensor1.float16").dtype()).isEqualTo(DType.F16);
            // 1.1 → E4M3 0x39 = 1.125; 3.2 → 0x45 = 3.25 (E4M3 layout, docs/format.md#narrow-floats).
            assertThat(f.tensor("tensor1.float64").toFloatArray()).startsWith(1.125f).endsWith(3.25f);
        }
        assertThat(Cli.run("convert", in.toString(), some.toString(), "--dtype", "I32").exitCode()).isEqualTo(2);
    }
}
