package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.SafeTensorsException.Kind;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Array and segment data is checked against its declaration when the tensor is added: the Java element type
 * must hold the dtype's values bit for bit and the size must match, in both writers.
 */
class WriterDeclarationTest {
    @TempDir
    Path dir;

    private static void rejectedAtAdd(Runnable add, Kind kind, String... fragments) {
        assertThatThrownBy(add::run).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
            assertThat(e.kind()).isEqualTo(kind);
            for (String f : fragments) {
                assertThat(e.getMessage()).contains(f);
            }
        });
    }

    @Test
    void floatDataForAnIntegerTensorFailsAtAdd() {
        SafeTensorsWriter w = SafeTensorsWriter.create();
        rejectedAtAdd(() -> w.add("w", DType.I32, Shape.of(2, 3), TensorData.of(new float[6])),
                Kind.InvalidTensorView, "tensor `w`", "I32", "float[]");
        rejectedAtAdd(() -> w.add("w", DType.F32, Shape.of(2), TensorData.of(new int[2])),
                Kind.InvalidTensorView, "int[]", "F32");
        rejectedAtAdd(() -> w.add("w", DType.F16, Shape.of(2), TensorData.of(new float[2])),
                Kind.InvalidTensorView, "float[]", "F16");
        rejectedAtAdd(() -> w.add("w", DType.I64, Shape.of(2), TensorData.of(new double[2])),
                Kind.InvalidTensorView, "double[]", "I64");
        rejectedAtAdd(() -> w.add("w", DType.F64, Shape.of(2), TensorData.of(new long[2])),
                Kind.InvalidTensorView, "long[]", "F64");
        rejectedAtAdd(() -> w.add("w", DType.U8, Shape.of(2), TensorData.of(new short[1])),
                Kind.InvalidTensorView, "short[]", "U8");
        // Nothing was declared, so the name is still free.
        w.add("w", DType.I32, Shape.of(2), TensorData.of(new int[2]));
    }

    @Test
    void aWrongSizeFailsAtAdd() {
        SafeTensorsWriter w = SafeTensorsWriter.create();
        // 2 x 2 F32 = 16 bytes; 6 floats are 24.
        rejectedAtAdd(() -> w.add("w", DType.F32, Shape.of(2, 2), TensorData.of(new float[6])),
                Kind.InvalidTensorView, "tensor `w`", "16 bytes", "float[] of 6 elements (24 bytes)");
        rejectedAtAdd(() -> w.add("b", DType.BF16, Shape.of(3), TensorData.of(new byte[5])),
                Kind.InvalidTensorView, "6 bytes", "5 bytes");
        rejectedAtAdd(() -> w.add("c", DType.C64, Shape.of(2), TensorData.of(new float[2])),
                Kind.InvalidTensorView, "16 bytes", "8 bytes");
        rejectedAtAdd(() -> w.add("f4", DType.F4, Shape.of(3), TensorData.of(new byte[2])), Kind.MisalignedSlice, "f4");
        rejectedAtAdd(() -> w.add("huge", DType.I32, Shape.of(2, Long.MAX_VALUE), TensorData.of(new byte[0])),
                Kind.ValidationOverflow);
    }

    @Test
    void theShardedWriterChecksTheSame() {
        ShardedWriter w = ShardedWriter.create(100);
        rejectedAtAdd(() -> w.add("w", DType.I32, Shape.of(2), TensorData.of(new float[2])), Kind.InvalidTensorView, "float[]");
        rejectedAtAdd(() -> w.add("w", DType.F32, Shape.of(2), TensorData.of(new float[3])), Kind.InvalidTensorView, "12 bytes");
        rejectedAtAdd(() -> w.add("__metadata__", DType.U8, Shape.of(1), TensorData.of(new byte[1])), Kind.JsonError);
    }

    /** What each array type may hold: raw bits of the same width, floats as floats, bytes as anything. */
    @Test
    void compatibleDataIsWrittenAsGiven() {
        Path out = dir.resolve("ok.safetensors");
        SafeTensorsWriter.create()
                .add("bf16", DType.BF16, Shape.of(2), TensorData.of(new short[] {0x3f80, (short) 0xc000}))
                .add("u32", DType.U32, Shape.of(1), TensorData.of(new int[] {-1}))
                .add("c64", DType.C64, Shape.of(2), TensorData.of(new float[] {1, -1, 2, -2}))
                .add("raw", DType.F32, Shape.of(1), TensorData.of(new byte[] {0, 0, (byte) 0x80, 0x3f}))
                .add("cb", DType.U8, Shape.of(2), sink -> sink.write(new byte[] {7, 8}))
                .write(out);
        try (SafeTensorsFile f = SafeTensorsFile.open(out)) {
            // 1.0 and -2.0 in BF16; U32 all ones; C64 parts in order; 0x3f800000 = 1.0f.
            assertThat(f.tensor("bf16").toFloatArray()).containsExactly(1f, -2f);
            assertThat(f.tensor("u32").toByteArray()).containsExactly(-1, -1, -1, -1);
            assertThat(f.tensor("c64").toByteArray()).hasSize(16);
            assertThat(f.tensor("raw").toFloatArray()).containsExactly(1f);
            assertThat(f.tensor("cb").toByteArray()).containsExactly(7, 8);
        }
    }
}
