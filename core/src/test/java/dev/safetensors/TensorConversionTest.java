package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.internal.convert.MiniFloat;
import dev.safetensors.convert.SubBytePacking;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tensor copy-outs decode through the bulk kernels, across the positional reader's chunk boundaries, to the
 * same values as the scalar per-code reference.
 */
class TensorConversionTest {
    private static final int N = 1_000_000 + 4;   // > one read chunk in every dtype; divisible by 4
    @TempDir
    static Path dir;
    static Path file;
    static byte[] bytes = new byte[N * 2];

    @BeforeAll
    static void write() {
        new Random(7).nextBytes(bytes);
        SafeTensorsWriter.create()
                .add("e4m3", DType.F8_E4M3, Shape.of(N), TensorData.of(java.util.Arrays.copyOf(bytes, N)))
                .add("fnuz", DType.F8_E5M2FNUZ, Shape.of(N), TensorData.of(java.util.Arrays.copyOf(bytes, N)))
                .add("f4", DType.F4, Shape.of(N), TensorData.of(java.util.Arrays.copyOf(bytes, N / 2)))
                .add("f6", DType.F6_E3M2, Shape.of(N), TensorData.of(java.util.Arrays.copyOf(bytes, N / 4 * 3)))
                .add("bf16", DType.BF16, Shape.of(N), TensorData.of(bytes))
                .add("i8", DType.I8, Shape.of(4), TensorData.of(new byte[] {-1, 0, 1, 127}))
                .add("u16", DType.U16, Shape.of(2), TensorData.of(new short[] {-1, 7}))
                .add("u32", DType.U32, Shape.of(1), TensorData.of(new int[] {-1}))
                .write(file = dir.resolve("conv.safetensors"));
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void floatsMatchTheScalarReference(ReadStrategy strategy) {
        try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy))) {
            float[] e4m3 = f.tensor("e4m3").toFloatArray();
            float[] fnuz = f.tensor("fnuz").toFloatArray();
            float[] f4 = f.tensor("f4").toFloatArray();
            float[] f6 = f.tensor("f6").toFloatArray(SubBytePacking.DEFAULT.withF6(SubBytePacking.F6Order.LSB_FIRST));
            float[] bf16 = f.tensor("bf16").toFloatArray();
            for (int i = 0; i < N; i++) {
                assertThat(Float.floatToIntBits(e4m3[i])).isEqualTo(Float.floatToIntBits(MiniFloat.E4M3FN.decode(bytes[i])));
                assertThat(Float.floatToIntBits(fnuz[i])).isEqualTo(Float.floatToIntBits(MiniFloat.E5M2FNUZ.decode(bytes[i])));
                assertThat(f4[i]).isEqualTo(MiniFloat.E2M1.decode(bytes[i / 2] >> (4 * (i % 2))));
                int g = i / 4 * 3;
                int word = (bytes[g] & 0xFF) | (bytes[g + 1] & 0xFF) << 8 | (bytes[g + 2] & 0xFF) << 16;
                assertThat(f6[i]).isEqualTo(MiniFloat.E3M2.decode(word >>> (6 * (i % 4))));
                int bits = (bytes[2 * i] & 0xFF | bytes[2 * i + 1] << 8) << 16;
                assertThat(Float.floatToIntBits(bf16[i])).isEqualTo(Float.floatToIntBits(Float.intBitsToFloat(bits)));
            }
            assertThatThrownBy(() -> f.tensor("f6").toFloatArray()).isInstanceOfSatisfying(SafeTensorsException.class,
                    e -> assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidTensorView));
        }
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void integersWidenByValue(ReadStrategy strategy) {
        try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy))) {
            assertThat(f.tensor("i8").toIntArray()).containsExactly(-1, 0, 1, 127);
            assertThat(f.tensor("i8").toLongArray()).containsExactly(-1, 0, 1, 127);
            assertThat(f.tensor("i8").toShortArray()).containsExactly(-1, 0, 1, 127);
            assertThat(f.tensor("i8").toDoubleArray()).containsExactly(-1, 0, 1, 127);
            assertThat(f.tensor("u16").toIntArray()).containsExactly(65535, 7);
            assertThat(f.tensor("u16").toFloatArray()).containsExactly(65535, 7);
            assertThat(f.tensor("u32").toLongArray()).containsExactly(4294967295L);
            assertThat(f.tensor("u32").toDoubleArray()).containsExactly(4294967295.0);
            assertThatThrownBy(() -> f.tensor("bf16").toIntArray()).isInstanceOf(SafeTensorsException.class);
        }
    }
}
