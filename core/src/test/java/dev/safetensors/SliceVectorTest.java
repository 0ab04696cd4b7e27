package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.SafeTensorsException.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The slice vectors S01–S23 (docs/format.md#slicing), project column: shapes, byte runs and error kinds. */
class SliceVectorTest {
    @TempDir
    static Path dir;
    static Path file;

    @BeforeAll
    static void write() {
        byte[] bytes = new byte[24];
        for (int i = 0; i < 24; i++) {
            bytes[i] = (byte) i;
        }
        SafeTensorsWriter.create()
                .add("f", DType.F32, Shape.of(2, 3), TensorData.of(bytes))
                .add("empty", DType.F32, Shape.of(0, 3), TensorData.of(new byte[0]))
                .add("scalar", DType.F32, Shape.of(), TensorData.of(new byte[4]))
                .add("u", DType.U8, Shape.of(2, 3, 4), TensorData.of(bytes))
                .add("f4", DType.F4, Shape.of(2, 4), TensorData.of(new byte[] {0x10, 0x32, 0x54, 0x76}))
                .add("f4odd", DType.F4, Shape.of(2, 3), TensorData.of(new byte[3]))
                .write(file = dir.resolve("s.safetensors"));
    }

    static String runs(TensorSlice s) {
        List<String> r = new ArrayList<>();
        s.forEachRun((o, l) -> r.add("[" + o + "," + (o + l) + ")"));
        return String.join(" ", r);
    }

    @ParameterizedTest(name = "{0} {1}[{2}]")
    @CsvSource(delimiter = ';', value = {
            "S01; f; :, 1:3; [2, 2]; [4,12) [16,24)",
            "S02; f; 1; [3]; [12,24)",
            "S03; f; :, 0; [2]; [0,4) [12,16)",
            "S04; f; 0:0; [0, 3]; ''",
            "S05; f; :; [2, 3]; [0,24)",
            "S05b; f; ''; [2, 3]; [0,24)",
            "S06; f; 0:3; [2, 3]; [0,24)",
            "S08; f; 2:2; [0, 3]; ''",
            "S10; empty; :; [0, 3]; ''",
            "S11; scalar; ''; []; [0,4)",
            "S12; u; :, 1:3, :; [2, 2, 4]; [4,12) [16,24)",
            "S13; u; 1, :, 1:2; [3, 1]; [13,14) [17,18) [21,22)",
            "S14; u; 0:1, 0:3; [1, 3, 4]; [0,12)",
            "S15; f4; 1; [4]; [2,4)",
            "S16; f4; :, 0:2; [2, 2]; [0,1) [2,3)",
            "S19; f; 1:0; [0, 3]; ''",
            "S20; f; -1; [3]; [12,24)",
            "S21; f; :, ::2; [2, 2]; [0,4) [8,16) [20,24)",
            "S22; f; :, -2:; [2, 2]; [4,12) [16,24)",
            "rev; f; ::-1, ::-1; [2, 3]; [20,24) [16,20) [12,16) [8,12) [4,8) [0,4)",
            "ell; u; ..., 0; [2, 3]; [0,1) [4,5) [8,9) [12,13) [16,17) [20,21)",
            "ell2; u; 1, ...; [3, 4]; [12,24)"})
    void sliceGivesShapeAndRuns(String id, String tensor, String expr, String shape, String expectedRuns) {
        for (ReadStrategy strategy : ReadStrategy.values()) {
            try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy))) {
                TensorSlice s = f.tensor(tensor).slice(expr);
                assertThat(s.shape().toString()).isEqualTo(shape);
                assertThat(runs(s)).isEqualTo(expectedRuns);
                long total = 0;
                for (String r : expectedRuns.isEmpty() ? new String[0] : expectedRuns.split(" ")) {
                    String[] ab = r.substring(1, r.length() - 1).split(",");
                    total += Long.parseLong(ab[1]) - Long.parseLong(ab[0]);
                }
                assertThat(s.byteSize()).isEqualTo(total);
                assertThat(s.toByteArray()).hasSize((int) total);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}[{2}]")
    @CsvSource(delimiter = ';', value = {
            "S07; f; 2; SliceOutOfRange",
            "S09; f; 0,0,0; TooManySlices",
            "S11b; scalar; 0; TooManySlices",
            "S17; f4; :, 1:3; MisalignedSlice",
            "S18; f4odd; 0; MisalignedSlice",
            "step0; f; ::0; SliceOutOfRange",
            "neg; f; -3; SliceOutOfRange",
            "huge; f; 9223372036854775807; SliceOutOfRange",
            "syntax; f; a:b; InvalidTensorView",
            "twoEllipses; f; ..., ...; InvalidTensorView",
            "newaxis; f; None; InvalidTensorView"})
    void badSlicesGiveTheirKind(String id, String tensor, String expr, String kind) {
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertThatThrownBy(() -> f.tensor(tensor).slice(expr)).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                assertThat(e.kind()).isEqualTo(Kind.valueOf(kind));
                assertThat(e.getMessage()).startsWith(file.toString());
            });
        }
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void outOfRangeMessageNamesDimensionIndexAndSize(ReadStrategy strategy) {
        try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy))) {
            assertThatThrownBy(() -> f.tensor("u").slice(Index.all(), Index.at(5)))
                    .hasMessageContaining("index 5 out of bounds for tensor `u` dimension #1 of size 3");
            TensorSlice s = f.tensor("f").slice(Index.all(), Index.range(null, null, -1L));
            assertThat(s.toFloatArray()).hasSize(6);
            assertThat(s.segments()).hasSize(6);
            byte[] b = s.toByteArray();
            assertThat(b[0]).isEqualTo((byte) 8);
        }
    }
}
