package dev.safetensors.torch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.convert.FloatDecoder;
import dev.safetensors.convert.SubBytePacking;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * How tensors are laid out and what they hold, against values known independently of the reader: the
 * Fortran-ordered tensor of candle's test (row-major values 1 to 24), burn's BF16 tensor (1.5, -2.5, 3.5),
 * the views of views.pt (base = arange(60).reshape(5, 12)), locations, parameters, byte order and the
 * torch 2.x layouts (float8 and uint16 over untyped storages).
 */
class TensorLayoutTest {
    @Test
    void theFortranStridedTensorComesOutRowMajor() {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.real("huggingface__candle__candle-core__tests__fortran_tensor_3d.pth"))) {
            TorchTensor t = ckpt.tensor("tensor_fortran");
            assertThat(t.dtype()).isEqualTo(DType.I64);
            assertThat(t.shape().dims()).containsExactly(2, 3, 4);
            assertThat(t.strides()).containsExactly(1, 2, 6);
            assertThat(t.isContiguous()).isFalse();
            long[] values = Values.int64(t.toByteArray());
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    for (int k = 0; k < 4; k++) {
                        assertThat(values[12 * i + 4 * j + k]).as("[%d][%d][%d]", i, j, k).isEqualTo(1 + 12 * i + 4 * j + k);
                    }
                }
            }
        }
    }

    @Test
    void theBfloat16TensorDecodes() {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(
                Fixtures.real("tracel-ai__burn__crates__burn-store__src__pytorch__tests__reader__test_data__bfloat16.pt"))) {
            TorchTensor t = ckpt.tensor("tensor");
            assertThat(t.dtype()).isEqualTo(DType.BF16);
            assertThat(Values.bfloat16(t.toByteArray())).containsExactly(1.5f, -2.5f, 3.5f);
            float[] viaDecoder = new float[3];
            FloatDecoder.decode(DType.BF16, MemorySegment.ofArray(t.toByteArray()), viaDecoder, 0, SubBytePacking.DEFAULT);
            assertThat(viaDecoder).containsExactly(1.5f, -2.5f, 3.5f);
            assertThat(ckpt.records()).containsEntry(".format_version", "1").containsEntry(".storage_alignment", "64")
                    .containsEntry("byteorder", "little").containsEntry("version", "3");
        }
    }

    @Test
    void storagesSavedOnAcceleratorsAreReadFromTheFile() {
        try (TorchCheckpoint cuda = TorchCheckpoint.open(Fixtures.real("catundchat__stable-diffusion-v1.5-lora__pytorch_lora_weights.bin"));
             TorchCheckpoint mps = TorchCheckpoint.open(Fixtures.real("tracel-ai__burn__examples__import-model-weights__weights__mnist.pt"))) {
            assertThat(cuda.tensors()).allSatisfy(t -> assertThat(t.location()).isEqualTo("cuda:0"));
            assertThat(mps.tensors()).allSatisfy(t -> assertThat(t.location()).isEqualTo("mps"));
            assertThat(mps.tensor("norm1.num_batches_tracked").shape().rank()).isZero();
        }
    }

    @Test
    void viewsWithOffsetsAndStrides() {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.generated("views.pt"))) {
            assertThat(ckpt.tensor("base").isContiguous()).isTrue();
            TorchTensor row = ckpt.tensor("row");
            assertThat(row.isContiguous()).isTrue();
            assertThat(row.storageOffset()).isEqualTo(24);
            assertThat(Values.float32(row.toByteArray())).containsExactly(24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35);
            assertThat(ckpt.tensor("column").isContiguous()).isFalse();
            assertThat(Values.float32(ckpt.tensor("column").toByteArray())).containsExactly(3, 15, 27, 39, 51);
            float[] transposed = Values.float32(ckpt.tensor("transposed").toByteArray());
            assertThat(transposed[1]).isEqualTo(12);   // [0][1] of base.t() is base[1][0]
            assertThat(Values.float32(ckpt.tensor("stepped").toByteArray()))
                    .containsExactly(14, 17, 20, 26, 29, 32, 38, 41, 44);
            assertThat(Values.float32(ckpt.tensor("element").toByteArray())).containsExactly(43);
            assertThat(ckpt.tensor("none").byteSize()).isZero();
            TorchTensor broadcast = ckpt.tensor("broadcast");
            assertThat(broadcast.strides()).containsExactly(3, 0);
            assertThat(broadcast.toByteArray()).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 3, 0, 3, 0, 3, 0);
        }
    }

    @Test
    void parametersAndBuffers() {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.generated("parameters.pt"))) {
            assertThat(ckpt.tensor("weight").isParameter()).isTrue();
            assertThat(ckpt.tensor("frozen").isParameter()).isTrue();
            assertThat(ckpt.tensor("buffer").isParameter()).isFalse();
        }
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.generated("module_state.pt"))) {
            assertThat(ckpt.names()).containsExactly("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                    "1.running_var", "1.num_batches_tracked");
            assertThat(Values.int64(ckpt.tensor("1.num_batches_tracked").toByteArray())).containsExactly(1);
        }
    }

    @Test
    void bigEndianStoragesAreSwapped() {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.generated("big_endian.pt"))) {
            assertThat(ckpt.records()).containsEntry("byteorder", "big");
            assertThat(ckpt.tensor("i64").isContiguous()).isFalse();   // bytes must be swapped, so not zero-copy
            assertThat(Values.int64(ckpt.tensor("i64").toByteArray())).containsExactly(-1, 0, 1);
            assertThat(Values.int32(ckpt.tensor("transposed").toByteArray())).containsExactly(0, 3, 1, 4, 2, 5);
            assertThat(ckpt.tensor("u8").toByteArray()).containsExactly(0, 1, 2, 3);
        }
    }

    @Test
    void torch2LayoutsGiveFloat8AndUint16() {
        for (String file : new String[] {"torch2_v3.pt", "zip64_protocol4.pt"}) {
            try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.generated(file))) {
                TorchTensor fp8 = ckpt.tensor("fp8");
                assertThat(fp8.dtype()).isEqualTo(DType.F8_E4M3);
                float[] values = new float[6];
                FloatDecoder.decode(DType.F8_E4M3, MemorySegment.ofArray(fp8.toByteArray()), values, 0, SubBytePacking.DEFAULT);
                assertThat(values).containsExactly(0f, 1f, 2f, -3f, 448f, 0x1p-9f);
                TorchTensor u16 = ckpt.tensor("u16");
                assertThat(u16.dtype()).isEqualTo(DType.U16);
                assertThat(u16.storageOffset()).isEqualTo(1);
                assertThat(Values.uint16(u16.toByteArray())).containsExactly(2, 65535, 40000);
            }
        }
    }

    @Test
    void theLegacyFormatWithItsViews() {
        for (String file : new String[] {"legacy.pt", "legacy_protocol4.pt"}) {
            try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.generated(file))) {
                assertThat(ckpt.format()).isEqualTo(TorchFormat.LEGACY);
                assertThat(ckpt.tensor("column").isContiguous()).isFalse();
                assertThat(ckpt.records()).isEmpty();
            }
        }
    }

    @Test
    void dtypesSafetensorsLacksAreRefusedByName() {
        var e = org.assertj.core.api.Assertions.catchThrowableOfType(dev.safetensors.SafeTensorsException.class,
                () -> TorchCheckpoint.open(Fixtures.generated("complex128.pt")));
        assertThat(e.kind()).isEqualTo(dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization);
        assertThat(e.getMessage()).contains("c128", "torch.complex128", "no complex128");
    }
}
