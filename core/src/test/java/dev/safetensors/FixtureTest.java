package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import dev.safetensors.testing.Manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.safetensors.SafeTensorsException.Kind;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every real-world file in testdata/fixtures against what its manifest row (and its origin) says it holds.
 */
class FixtureTest {

    static Stream<Manifest> safetensorsRows() {
        return Manifest.rows().stream().filter(Manifest::isSafetensors);
    }

    @Test
    void everyManifestRowHasItsFile() {
        assertThat(Manifest.rows()).hasSizeGreaterThan(25).allSatisfy(row -> {
            assertThat(Files.size(row.path())).as(row.localName()).isEqualTo(row.bytes());
            assertThat(row.actualSha256()).as(row.localName()).isEqualTo(row.sha256());
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("safetensorsRows")
    void fileMatchesItsManifestRow(Manifest row) {
        for (ReadStrategy strategy : ReadStrategy.values()) {
            OpenOptions options = OpenOptions.defaults().withStrategy(strategy);
            if (!row.isValid()) {
                assertThatThrownBy(() -> SafeTensorsFile.open(row.path(), options))
                        .isInstanceOfSatisfying(SafeTensorsException.class,
                                e -> assertThat(e.kind()).isEqualTo(Kind.InvalidHeaderLength));
                continue;
            }
            try (SafeTensorsFile f = SafeTensorsFile.open(row.path(), options)) {
                assertThat(f.size()).isEqualTo(row.tensorCount());
                assertThat(f.header().headerSize()).isEqualTo(row.headerLength());
                Map<String, Integer> dtypes = new LinkedHashMap<>();
                for (Tensor t : f.tensors()) {
                    dtypes.merge(t.dtype().name(), 1, Integer::sum);
                    // Every byte of every tensor is readable, the same way through each strategy.
                    assertThat(t.toByteArray()).hasSize((int) t.byteSize());
                }
                assertThat(dtypes).isEqualTo(row.dtypeCounts());
                assertThat(f.metadata().isPresent()).isEqualTo(row.hasMetadata());
                row.metadata().ifPresent(m -> assertThat(f.metadata()).hasValue(m));
                assertThat(f.header().dataStart() + f.header().dataSize()).isEqualTo(row.bytes());
            }
        }
    }

    /** safetensors/samples: one tensor per numpy type code holding range(-3, 3) cast to it (unsigned wrap). */
    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void referenceSamplesHoldRangeMinus3To3(ReadStrategy strategy) throws Exception {
        OpenOptions o = OpenOptions.defaults().withStrategy(strategy);
        for (String code : List.of("B", "H", "I", "b", "d", "e", "f", "h", "i")) {
            for (String file : List.of(code + ".safetensors", "overall.safetensors")) {
                try (SafeTensorsFile f = SafeTensorsFile.open(TestFiles.fixture("reference-samples/" + file), o)) {
                    Tensor t = f.tensor(code);
                    assertThat(t.shape()).isEqualTo(Shape.of(6));
                    assertThat(f.metadata()).hasValue(Map.of("test", "a"));
                    switch (code) {
                        case "B" -> assertThat(t.toByteArray()).containsExactly(253, 254, 255, 0, 1, 2);
                        case "b" -> assertThat(t.toByteArray()).containsExactly(-3, -2, -1, 0, 1, 2);
                        case "H", "h" -> assertThat(t.toShortArray()).containsExactly(-3, -2, -1, 0, 1, 2);
                        case "I", "i" -> assertThat(t.toIntArray()).containsExactly(-3, -2, -1, 0, 1, 2);
                        case "d" -> assertThat(t.toDoubleArray()).containsExactly(-3, -2, -1, 0, 1, 2);
                        default -> assertThat(t.toFloatArray()).containsExactly(-3, -2, -1, 0, 1, 2);
                    }
                    assertThat(t.dtype()).isEqualTo(switch (code) {
                        case "B" -> DType.U8;
                        case "H" -> DType.U16;
                        case "I" -> DType.U32;
                        case "b" -> DType.I8;
                        case "h" -> DType.I16;
                        case "i" -> DType.I32;
                        case "e" -> DType.F16;
                        case "f" -> DType.F32;
                        default -> DType.F64;
                    });
                }
            }
        }
    }

    /** fastsafetensors examples/gen.py: a0 is F16 [16, 8] whose row i is all i; metadata {"fst": "sample"}. */
    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void fastsafetensorsExampleRowsHoldTheirIndex(ReadStrategy strategy) {
        try (SafeTensorsFile f = SafeTensorsFile.open(
                TestFiles.fixture("foundation-model-stack__fastsafetensors__examples__a.safetensors"),
                OpenOptions.defaults().withStrategy(strategy))) {
            Tensor a0 = f.tensor("a0");
            assertThat(a0.dtype()).isEqualTo(DType.F16);
            assertThat(a0.shape()).isEqualTo(Shape.of(16, 8));
            float[] v = a0.toFloatArray();
            for (int i = 0; i < 16 * 8; i++) {
                assertThat(v[i]).isEqualTo((float) (i / 8));
            }
            assertThat(f.metadata()).hasValue(Map.of("fst", "sample"));
        }
    }

    /**
     * Run:ai's test file: one [3, 2] tensor per dtype, written by its test from [[11, 12], [21, 22], [31, 32]]
     * for integers, [[1.1, 1.2], [2.1, 2.2], [3.1, 3.2]] for floats, and [[T, F], [F, T], [T, F]] for BOOL.
     */
    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void runAiTestFileHoldsItsValues(ReadStrategy strategy) {
        double[] floats = {1.1, 1.2, 2.1, 2.2, 3.1, 3.2};
        try (SafeTensorsFile f = SafeTensorsFile.open(TestFiles.fixture(
                "run-ai__runai-model-streamer__py__runai_model_streamer__runai_model_streamer__safetensors_streamer__tests__test_files__test.safetensors"),
                OpenOptions.defaults().withStrategy(strategy))) {
            assertThat(f.tensor("tensor1.int64").toLongArray()).containsExactly(11, 12, 21, 22, 31, 32);
            assertThat(f.tensor("tensor1.int32").toIntArray()).containsExactly(11, 12, 21, 22, 31, 32);
            assertThat(f.tensor("tensor1.int16").toShortArray()).containsExactly(11, 12, 21, 22, 31, 32);
            assertThat(f.tensor("tensor1.int8").toByteArray()).containsExactly(11, 12, 21, 22, 31, 32);
            assertThat(f.tensor("tensor1.uint8").toByteArray()).containsExactly(11, 12, 21, 22, 31, 32);
            assertThat(f.tensor("tensor1.bool").toByteArray()).containsExactly(1, 0, 0, 1, 1, 0);
            assertThat(f.tensor("tensor1.float64").toDoubleArray()).containsExactly(floats);
            float[] f32 = f.tensor("tensor1.float32").toFloatArray();
            float[] f16 = f.tensor("tensor1.float16").toFloatArray();
            float[] bf16 = f.tensor("tensor1.bfloat16").toFloatArray();
            for (int i = 0; i < 6; i++) {
                assertThat(f32[i]).isEqualTo((float) floats[i]);
                // float16 keeps 11 significant bits, bfloat16 8: the nearest representable values.
                assertThat((double) f16[i]).isCloseTo(floats[i], within(floats[i] / 2048));
                assertThat((double) bf16[i]).isCloseTo(floats[i], within(floats[i] / 256));
            }
            // bfloat16 of 1.1 = 0x3F8D (1.1015625), of 3.2 = 0x404D (3.203125): round-to-nearest of the float.
            assertThat(bf16).startsWith(1.1015625f).endsWith(3.203125f);
            assertThat(f.names()).first().isEqualTo("tensor1.int64");
            assertThat(f.header().namesInDataOrder()).isNotEqualTo(f.names());
        }
    }

    /** DJL's NDListTest writes attention = arange(6) as I8 [2, 3] and embedding = arange(4) as I8 [2, 2]. */
    @Test
    void djlListHoldsArange() {
        try (SafeTensorsFile f = SafeTensorsFile.open(TestFiles.fixture("deepjavalibrary__djl__api__src__test__resources__list.safetensors"))) {
            assertThat(f.tensor("attention").shape()).isEqualTo(Shape.of(2, 3));
            assertThat(f.tensor("attention").toByteArray()).containsExactly(0, 1, 2, 3, 4, 5);
            assertThat(f.tensor("embedding").toByteArray()).containsExactly(0, 1, 2, 3);
        }
    }

    /** burn's boolean test: buffer = [True, False, True]. */
    @Test
    void burnBooleanBuffer() {
        try (SafeTensorsFile f = SafeTensorsFile.open(TestFiles.fixture("tracel-ai__burn__crates__burn-import__safetensors-tests__tests__boolean__boolean.safetensors"))) {
            assertThat(f.tensor("buffer").dtype()).isEqualTo(DType.BOOL);
            assertThat(f.tensor("buffer").toByteArray()).containsExactly(1, 0, 1);
        }
    }

    /** compressed-tensors' Hadamard matrices: entries ±1 and H·Hᵀ = n·I, named by their size n. */
    @Test
    void hadamardMatricesAreHadamard() {
        try (SafeTensorsFile f = SafeTensorsFile.open(TestFiles.fixture("neuralmagic__compressed-tensors__src__compressed_tensors__transform__utils__hadamards.safetensors"))) {
            assertThat(f.metadata()).get().satisfies(m -> assertThat(m).hasSize(66));
            for (String name : f.sortedNames()) {
                int n = Integer.parseInt(name);
                Tensor t = f.tensor(name);
                assertThat(t.shape()).isEqualTo(Shape.of(n, n));
                byte[] h = t.toByteArray();
                for (int i = 0; i < n; i++) {
                    for (int j = i; j < Math.min(n, i + 3); j++) {
                        int dot = 0;
                        for (int k = 0; k < n; k++) {
                            dot += h[i * n + k] * h[j * n + k];
                        }
                        assertThat(dot).isEqualTo(i == j ? n : 0);
                    }
                }
            }
            assertThat(f.sortedNames()).isSorted();
        }
    }

    /** MLX writes "__metadata__": null, an unpadded header, and fields in another order. */
    @Test
    void mlxAdapterWithNullMetadataAndUnpaddedHeader() {
        try (SafeTensorsFile f = SafeTensorsFile.open(TestFiles.fixture("wyek1n__MLX-CLI__adapters__adapters.safetensors"))) {
            assertThat(f.metadata()).isEmpty();
            assertThat(f.header().headerSize() % 8).isNotZero();
        }
    }
}
