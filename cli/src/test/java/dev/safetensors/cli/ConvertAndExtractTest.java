package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertAndExtractTest {
    @TempDir
    Path dir;

    @Test
    void convertRewritesCanonicallyAndAddsMetadata() throws IOException {
        Path in = Cli.fixture("wyek1n__MLX-CLI__adapters__adapters.safetensors");
        Path out = dir.resolve("out.safetensors");
        Cli r = Cli.run("convert", in.toString(), out.toString(), "--metadata", "format=mlx", "--metadata", "x=a=b");
        assertThat(r.exitCode()).as(r.err()).isZero();
        try (SafeTensorsFile a = SafeTensorsFile.open(in); SafeTensorsFile b = SafeTensorsFile.open(out)) {
            assertThat(b.metadata()).hasValue(Map.of("format", "mlx", "x", "a=b"));
            assertThat(b.sortedNames()).isEqualTo(a.sortedNames());
            for (String name : a.names()) {
                assertThat(b.tensor(name).shape()).isEqualTo(a.tensor(name).shape());
                assertThat(b.tensor(name).toByteArray()).isEqualTo(a.tensor(name).toByteArray());
            }
            // MLX's unpadded header becomes the reference writer's padded one.
            assertThat(b.header().headerSize() % 8).isZero();
            assertThat(b.header().namesInDataOrder()).isEqualTo(b.names());
        }
        assertThat(Cli.run("convert", in.toString(), out.toString(), "--metadata", "novalue").exitCode()).isEqualTo(2);
    }

    @Test
    void convertInPlaceIsSafe() throws IOException {
        Path f = Files.copy(Cli.fixture("reference-samples/overall.safetensors"), dir.resolve("o.safetensors"));
        assertThat(Cli.run("convert", f.toString(), f.toString()).exitCode()).isZero();
        try (SafeTensorsFile file = SafeTensorsFile.open(f)) {
            assertThat(file.tensor("d").toDoubleArray()).containsExactly(-3, -2, -1, 0, 1, 2);
            assertThat(file.metadata()).hasValue(Map.of("test", "a"));
        }
    }

    /** Each tensor extracted to .npy equals, byte for byte, what NumPy's np.save wrote for the same array. */
    @Test
    void extractMatchesNumpysOwnFiles() throws Exception {
        Path st = dir.resolve("arrays.safetensors");
        SafeTensorsWriter.create()
                .add("f32_2x3", DType.F32, Shape.of(2, 3), TensorData.of(new float[] {0, 1, 2, 3, 4, 5}))
                .add("f64_scalar", DType.F64, Shape.of(), TensorData.of(new double[] {-1.5}))
                .add("i64_3", DType.I64, Shape.of(3), TensorData.of(new long[] {11, -12, 13}))
                .add("u8_2x2x2", DType.U8, Shape.of(2, 2, 2), TensorData.of(new byte[] {0, 1, 2, 3, 4, 5, 6, 7}))
                .add("bool_3", DType.BOOL, Shape.of(3), TensorData.of(new byte[] {1, 0, 1}))
                .add("f16_4", DType.F16, Shape.of(4), TensorData.of(new short[] {
                        Float.floatToFloat16(1), Float.floatToFloat16(-2), Float.floatToFloat16(0.5f), Float.floatToFloat16(65504)}))
                .add("c64_2", DType.C64, Shape.of(2), TensorData.of(new float[] {1, 2, -3.5f, -4}))
                .add("i32_0x3", DType.I32, Shape.of(0, 3), TensorData.of(new int[0]))
                .add("u16_5", DType.U16, Shape.of(5), TensorData.of(new short[] {0, 1, -1, 2, 3}))
                .write(st);
        for (String name : new String[] {"f32_2x3", "f64_scalar", "i64_3", "u8_2x2x2", "bool_3", "f16_4", "c64_2",
                "i32_0x3", "u16_5"}) {
            Path out = dir.resolve(name + ".npy");
            Cli r = Cli.run("extract", st.toString(), name, "-o", out.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
            byte[] golden;
            try (var in = getClass().getResourceAsStream("/npy/" + name + ".npy")) {
                golden = in.readAllBytes();
            }
            assertThat(Files.readAllBytes(out)).as(name).isEqualTo(golden);
        }
    }

    @Test
    void dtypesWithoutANumpyTypeNeedRaw() throws IOException {
        Path st = dir.resolve("bf16.safetensors");
        SafeTensorsWriter.create().add("w", DType.BF16, Shape.of(2), TensorData.of(new short[] {0x3F80, (short) 0xC000})).write(st);
        Path out = dir.resolve("w.npy");
        Cli r = Cli.run("extract", st.toString(), "w", "-o", out.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("InvalidTensorView").contains("BF16").contains("--raw");
        assertThat(out).doesNotExist();

        Path raw = dir.resolve("w.bin");
        assertThat(Cli.run("extract", st.toString(), "w", "-o", raw.toString(), "--raw").exitCode()).isZero();
        assertThat(Files.readAllBytes(raw)).containsExactly(0x80, 0x3F, 0x00, 0xC0);
    }

    @Test
    void extractingAMissingTensorSaysTensorNotFound() {
        Cli r = Cli.run("extract", Cli.fixture("reference-samples/f.safetensors").toString(), "nope", "-o",
                dir.resolve("x.npy").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("TensorNotFound").contains("`nope`");
    }
}
