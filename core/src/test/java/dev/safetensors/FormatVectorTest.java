package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safetensors.SafeTensorsException.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The test vectors V01–V53 and X01–X31 (docs/format.md#reader-checks): each file is built from the vector's bytes
 * and must give the vector's verdict and kind (the project's column where it differs from the reference).
 * Every file is opened with both read strategies.
 */
class FormatVectorTest {
    @TempDir
    static Path dir;

    /**
     * @param n        the header length written in the length field (the vector's N column)
     * @param header   header text; {@code <HH>} is a raw byte
     * @param data     number of zero data bytes
     * @param expected "OK" or a kind name
     * @param detail   for OK: expected tensors as {@code name:DTYPE[dims]} joined by {@code |}; for
     *                 InvalidOffset: the tensor the message must name
     */
    record Vector(String id, long n, String header, int data, String expected, String detail) {
        byte[] fileBytes() {
            return TestFiles.file(n, TestFiles.bytes(header), data);
        }

        @Override
        public String toString() {
            return id;
        }
    }

    static Stream<Vector> vectors() {
        List<Vector> v = new ArrayList<>(List.of(
                new Vector("V03", 0, "", 0, "InvalidHeaderDeserialization", ""),
                new Vector("V04", 100000001, "", 0, "HeaderTooLarge", ""),
                new Vector("V05", 100000000, "", 0, "InvalidHeaderLength", ""),
                new Vector("V06", 2, "{", 0, "InvalidHeaderLength", ""),
                new Vector("V07", 1, "<FF>", 0, "InvalidHeader", ""),
                new Vector("V08", 1, "{", 0, "InvalidHeaderDeserialization", ""),
                new Vector("V09", 2, "[]", 0, "InvalidHeaderDeserialization", ""),
                new Vector("V10", 3, "<7B><7D><00>", 0, "InvalidHeaderDeserialization", ""),
                new Vector("V11", 2, "{}", 0, "OK", ""),
                new Vector("V12", 8, "{}      ", 0, "OK", ""),
                new Vector("V13", 4, "<09><0A>{}", 0, "OK", ""),
                new Vector("V14", 6, "{}<09><0A><0D> ", 0, "OK", ""),
                new Vector("V15", 57, "{\"t\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16, "OK", "t:I32[2, 2]"),
                new Vector("V16", 57, "{\"t\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 17, "MetadataIncompleteBuffer", ""),
                new Vector("V17", 57, "{\"t\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 15, "MetadataIncompleteBuffer", ""),
                new Vector("V18", 2, "{}", 1, "MetadataIncompleteBuffer", ""),
                new Vector("V19", 56, "{\"t\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,4]}}", 4, "TensorInvalidInfo", ""),
                new Vector("V20", 53, "{\"t\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[4,0]}}", 4, "InvalidOffset", "t"),
                new Vector("V21", 53, "{\"t\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[4,8]}}", 8, "InvalidOffset", "t"),
                new Vector("V22", 106, "{\"a\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[8,12]}}", 12, "InvalidOffset", "b"),
                new Vector("V23", 106, "{\"a\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[4,8]}}", 8, "InvalidOffset", "b"),
                new Vector("V24", 105, "{\"a\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, "InvalidOffset", "b"),
                new Vector("V25", 105, "{\"b\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[4,8]},\"a\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]}}", 8, "OK", "b:I32[]|a:I32[]"),
                new Vector("V26", 109, "{\"a\":{\"dtype\":\"I32\",\"shape\":[0],\"data_offsets\":[0,0]},\"b\":{\"dtype\":\"F32\",\"shape\":[3,0],\"data_offsets\":[0,0]}}", 0, "OK", "a:I32[0]|b:F32[3, 0]"),
                new Vector("V27", 105, "{\"a\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]},\"z\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[2,2]}}", 4, "InvalidOffset", "z"),
                new Vector("V28", 53, "{\"s\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}}", 8, "OK", "s:F64[]"),
                new Vector("V29", 106, "{\"a\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "InvalidHeaderDeserialization", "a"),
                new Vector("V30", 158, "{\"a\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[4,8]},\"a\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[8,12]}}", 12, "InvalidHeaderDeserialization", "a"),
                new Vector("V31", 51, "{\"__metadata__\":{\"a\":\"b\"},\"__metadata__\":{\"c\":\"d\"}}", 0, "InvalidHeaderDeserialization", ""),
                new Vector("V32", 67, "{\"t\":{\"dtype\":\"F32\",\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, "InvalidHeaderDeserialization", ""),
                new Vector("V33", 24, "{\"__metadata__\":{\"a\":1}}", 0, "InvalidHeaderDeserialization", ""),
                new Vector("V34", 21, "{\"__metadata__\":null}", 0, "OK", ""),
                new Vector("V35", 55, "{\"t\":{\"dtype\":\"F128\",\"shape\":[],\"data_offsets\":[0,16]}}", 16, "InvalidHeaderDeserialization", ""),
                new Vector("V36", 53, "{\"t\":{\"dtype\":\"f32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, "InvalidHeaderDeserialization", ""),
                new Vector("V37", 60, "{\"t\":{\"dtype\":{\"F32\":null},\"shape\":[],\"data_offsets\":[0,4]}}", 4, "InvalidHeaderDeserialization", ""),
                new Vector("V38", 32, "{\"t\":{\"dtype\":\"F32\",\"shape\":[]}}", 0, "InvalidHeaderDeserialization", ""),
                new Vector("V39", 59, "{\"t\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":1}}", 4, "OK", "t:F32[]"),
                new Vector("V40", 55, "{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "InvalidHeaderDeserialization", ""),
                new Vector("V41", 56, "{\"t\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", 4, "InvalidHeaderDeserialization", ""),
                new Vector("V42", 55, "{\"t\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4,8]}}", 4, "InvalidHeaderDeserialization", ""),
                new Vector("V43", 76, "{\"t\":{\"dtype\":\"I32\",\"shape\":[2,18446744073709551614],\"data_offsets\":[0,16]}}", 16, "ValidationOverflow", ""),
                new Vector("V44", 75, "{\"t\":{\"dtype\":\"I32\",\"shape\":[2,9223372036854775807],\"data_offsets\":[0,16]}}", 16, "ValidationOverflow", ""),
                new Vector("V45", 53, "{\"t\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2, "MisalignedSlice", ""),
                new Vector("V46", 53, "{\"t\":{\"dtype\":\"F4\",\"shape\":[4],\"data_offsets\":[0,2]}}", 2, "OK", "t:F4[4]"),
                new Vector("V47", 58, "{\"t\":{\"dtype\":\"F6_E2M3\",\"shape\":[4],\"data_offsets\":[0,3]}}", 3, "OK", "t:F6_E2M3[4]"),
                new Vector("V48", 58, "{\"t\":{\"dtype\":\"F6_E3M2\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2, "MisalignedSlice", ""),
                new Vector("V49", 5, "<EF><BB><BF>{}", 0, "InvalidHeaderDeserialization", ""),
                new Vector("V50", 60, "{\"a\\u0000b\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, "OK", "a\u0000b:I32[]"),
                new Vector("V51", 52, "{\"\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, "OK", ":I32[]"),
                new Vector("V52", 74, "{\"t\":{\"dtype\":\"I32\",\"shape\":[18446744073709551616],\"data_offsets\":[0,16]}}", 16, "InvalidHeaderDeserialization", ""),
                new Vector("V53", 109, "{\"a\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]},\"z\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[100,100]}}", 4, "InvalidOffset", "z"),

                new Vector("X01", 74, "{\"t\":{\"dtype\":\"I32\",\"shape\":[0,9223372036854775808],\"data_offsets\":[0,0]}}", 0, "OK", "t:I32[0, 9223372036854775808]"),
                new Vector("X02", 75, "{\"t\":{\"dtype\":\"I32\",\"shape\":[18446744073709551615,0],\"data_offsets\":[0,0]}}", 0, "OK", "t:I32[18446744073709551615, 0]"),
                new Vector("X03", 71, "{\"t\":{\"dtype\":\"U8\",\"shape\":[9223372036854775808],\"data_offsets\":[0,0]}}", 0, "ValidationOverflow", ""),
                new Vector("X04", 71, "{\"t\":{\"dtype\":\"U8\",\"shape\":[2305843009213693952],\"data_offsets\":[0,0]}}", 0, "ValidationOverflow", ""),
                new Vector("X05", 89, "{\"t\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[9223372036854775808,9223372036854775808]}}", 0, "InvalidOffset", "t"),
                new Vector("X06", 72, "{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,18446744073709551615]}}", 1, "TensorInvalidInfo", ""),
                new Vector("X07", 58, "{\"\\ud800\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "InvalidHeaderDeserialization", ""),
                new Vector("X08", 64, "{\"\\ud83d\\ude00\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "OK", "\uD83D\uDE00:U8[1]"),
                new Vector("X09", 54, "{\"t\":{\"dtype\":\"U8\",\"shape\":[01],\"data_offsets\":[0,1]}}", 1, "InvalidHeaderDeserialization", ""),
                new Vector("X10", 55, "{\"t\":{\"dtype\":\"U8\",\"shape\":[1e0],\"data_offsets\":[0,1]}}", 1, "InvalidHeaderDeserialization", ""),
                new Vector("X11", 54, "{\"t\":{\"dtype\":\"U8\",\"shape\":[-0],\"data_offsets\":[0,0]}}", 0, "InvalidHeaderDeserialization", ""),
                new Vector("X12", 54, "{\"t\":{\"dtype\":\"U8\",\"shape\":[1,],\"data_offsets\":[0,1]}}", 1, "InvalidHeaderDeserialization", ""),
                new Vector("X13", 75, "{ \"t\" : { \"dtype\" : \"U8\" , \"shape\" : [ 1 ] , \"data_offsets\" : [ 0 , 1 ] } }", 1, "OK", "t:U8[1]"),
                new Vector("X14a", 308, "{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":" + "[".repeat(125) + "]".repeat(125) + "}}", 1, "OK", "t:U8[1]"),
                new Vector("X14b", 310, "{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":" + "[".repeat(126) + "]".repeat(126) + "}}", 1, "InvalidHeaderDeserialization", ""),
                new Vector("X15", 34, "{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}", 0, "InvalidHeaderDeserialization", ""),
                new Vector("X16", 64, "{\"__METADATA__\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "OK", "__METADATA__:U8[1]"),
                new Vector("X17", 29, "{\"\\u005f_metadata__\":{\"a\":1}}", 0, "InvalidHeaderDeserialization", ""),
                new Vector("X18", 58, "{\"t\":{\"\\u0064type\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, "OK", "t:F32[]"),
                new Vector("X19", 68, "{\"t\":{\"dtype\":\"\\u0046\\u0033\\u0032\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, "OK", "t:F32[]"),
                new Vector("X20a", 20, "{\"__metadata__\":\"x\"}", 0, "InvalidHeaderDeserialization", ""),
                new Vector("X20b", 19, "{\"__metadata__\":[]}", 0, "InvalidHeaderDeserialization", ""),
                new Vector("X21", 10, "{\"t\":null}", 0, "InvalidHeaderDeserialization", ""),
                new Vector("X22", 57, "{\"t\":{\"dtype\":{\"F32\":1},\"shape\":[],\"data_offsets\":[0,4]}}", 4, "InvalidHeaderDeserialization", ""),
                new Vector("X23", 56, "{\"t\":{\"dtype\":\"F32\",\"shape\":[NaN],\"data_offsets\":[0,4]}}", 4, "InvalidHeaderDeserialization", ""),
                new Vector("X24a", 7, "{/*c*/}", 0, "InvalidHeaderDeserialization", ""),
                new Vector("X24b", 4, "{}{}", 0, "InvalidHeaderDeserialization", ""),
                new Vector("X25", 55, "{\"a<09>b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "InvalidHeaderDeserialization", ""),
                new Vector("X26", 55, "{\"a\\x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "InvalidHeaderDeserialization", ""),
                new Vector("X27", 55, "{\"t\":{\"dtype\":\"F4\",\"shape\":[1,3],\"data_offsets\":[0,2]}}", 2, "MisalignedSlice", ""),
                new Vector("X28", 55, "{\"t\":{\"dtype\":\"F4\",\"shape\":[2,3],\"data_offsets\":[0,3]}}", 3, "OK", "t:F4[2, 3]"),
                new Vector("X29", 60, "{\"t\":{\"dtype\":\"F6_E2M3\",\"shape\":[3,4],\"data_offsets\":[0,9]}}", 9, "OK", "t:F6_E2M3[3, 4]"),
                new Vector("X30", 53, "{\"t\":{\"dtype\":\"F4\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0, "OK", "t:F4[0]"),
                new Vector("X31", 56, "{\"a\\/b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "OK", "a/b:U8[1]")));
        return v.stream();
    }

    /** The header bytes of every vector have exactly the length the vector gives (except the truncated ones). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void headerLengthMatchesTheVectorTable(Vector v) {
        int actual = TestFiles.bytes(v.header()).length;
        if (v.id().equals("V04") || v.id().equals("V05") || v.id().equals("V06")) {
            assertThat((long) actual).isLessThan(v.n());
        } else {
            assertThat((long) actual).isEqualTo(v.n());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("strategies")
    void vectorGivesItsVerdict(Vector v, ReadStrategy strategy) {
        Path file = TestFiles.write(dir, v.id() + "-" + strategy + ".safetensors", v.fileBytes());
        OpenOptions options = OpenOptions.defaults().withStrategy(strategy);
        if (v.expected().equals("OK")) {
            try (SafeTensorsFile f = SafeTensorsFile.open(file, options)) {
                List<String> described = f.names().stream()
                        .map(name -> name + ":" + f.tensor(name).dtype() + f.tensor(name).shape())
                        .toList();
                List<String> expected = v.detail().isEmpty() ? List.of() : List.of(v.detail().split("\\|"));
                assertThat(described).containsExactlyElementsOf(expected);
            }
        } else {
            SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class,
                    () -> SafeTensorsFile.open(file, options).close());
            assertThat(e).as("%s must be rejected", v.id()).isNotNull();
            assertThat(e.kind()).isEqualTo(Kind.valueOf(v.expected()));
            assertThat(e.getMessage()).startsWith(file.toString());
            if (!v.detail().isEmpty()) {
                assertThat(e.getMessage()).contains("`" + v.detail() + "`");
            }
        }
    }

    static Stream<Object[]> strategies() {
        return vectors().flatMap(v -> Stream.of(new Object[] {v, ReadStrategy.MMAP}, new Object[] {v, ReadStrategy.PREAD}));
    }

    /** V01 (empty file) and V02 (seven bytes). */
    @ParameterizedTest(name = "{0} bytes, {1}")
    @CsvSource({"0, MMAP", "0, PREAD", "7, MMAP", "7, PREAD"})
    void v01V02FilesShorterThanTheLengthFieldAreTooSmall(int length, ReadStrategy strategy) {
        Path file = TestFiles.write(dir, "short-" + length + "-" + strategy, new byte[length]);
        assertThatThrownBy(() -> SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy)))
                .isInstanceOfSatisfying(SafeTensorsException.class, e -> assertThat(e.kind()).isEqualTo(Kind.HeaderTooSmall));
    }

    @Test
    void v34NullMetadataReadsAsAbsentAndEmptyMapAsPresent() {
        Path nul = TestFiles.write(dir, "meta-null", TestFiles.file("{\"__metadata__\":null}", 0));
        Path empty = TestFiles.write(dir, "meta-empty", TestFiles.file("{\"__metadata__\":{}}", 0));
        try (var a = SafeTensorsFile.open(nul); var b = SafeTensorsFile.open(empty)) {
            assertThat(a.metadata()).isEmpty();
            assertThat(b.metadata()).hasValue(java.util.Map.of());
        }
    }

    @Test
    void headerLimitIsConfigurable() {
        byte[] header = TestFiles.bytes("{}      ");
        Path file = TestFiles.write(dir, "limit", TestFiles.file(header.length, header, 0));
        assertThatThrownBy(() -> SafeTensorsFile.open(file, OpenOptions.defaults().withMaxHeaderSize(7)))
                .isInstanceOfSatisfying(SafeTensorsException.class, e -> assertThat(e.kind()).isEqualTo(Kind.HeaderTooLarge));
        try (var f = SafeTensorsFile.open(file, OpenOptions.defaults().withMaxHeaderSize(8))) {
            assertThat(f.size()).isZero();
        }
        assertThatThrownBy(() -> OpenOptions.defaults().withMaxHeaderSize(Long.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void headerLengthFieldsAtTheExtremesAreRejectedWithoutAllocating() {
        for (long n : new long[] {Long.MIN_VALUE, -1L, 100_000_001L}) {
            Path file = TestFiles.write(dir, "n" + Long.toUnsignedString(n), TestFiles.file(n, new byte[0], 0));
            assertThatThrownBy(() -> SafeTensorsFile.open(file))
                    .isInstanceOfSatisfying(SafeTensorsException.class, e -> assertThat(e.kind()).isEqualTo(Kind.HeaderTooLarge));
        }
    }
}
