package dev.safetensors;

import dev.safetensors.testing.MemorySource;
import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safetensors.SafeTensorsException.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * No error message repeats a 4 MB name or a 3 MB shape whole: each file breaks one rule with an absurd
 * name, key, dtype or shape, and the message must still name the rule, in a few hundred characters.
 */
class MessageLengthTest {
    private static final String NAME = "n".repeat(4_000_000);
    private static final String SHAPE = "[" + "1,".repeat(1_500_000) + "3]";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "offset     | InvalidOffset                | {\"NAME\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
            "size       | TensorInvalidInfo            | {\"NAME\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,1]}}",
            "duplicate  | InvalidHeaderDeserialization | {\"NAME\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"NAME\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
            "dtype      | InvalidHeaderDeserialization | {\"t\":{\"dtype\":\"NAME\",\"shape\":[1],\"data_offsets\":[0,1]}}",
            "field      | InvalidHeaderDeserialization | {\"NAME\":{\"dtype\":\"U8\",\"shape\":[1]}}",
            "number     | InvalidHeaderDeserialization | {\"NAME\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}",
            "metadata   | InvalidHeaderDeserialization | {\"__metadata__\":{\"NAME\":\"a\",\"NAME\":\"b\"}}",
            "meta-type  | InvalidHeaderDeserialization | {\"__metadata__\":{\"NAME\":1}}",
            "shape-size | TensorInvalidInfo            | {\"t\":{\"dtype\":\"U8\",\"shape\":SHAPE,\"data_offsets\":[0,1]}}",
            "shape-bits | MisalignedSlice              | {\"t\":{\"dtype\":\"F4\",\"shape\":SHAPE,\"data_offsets\":[0,1]}}",
            "shape-over | ValidationOverflow           | {\"t\":{\"dtype\":\"U8\",\"shape\":SHAPE_BIG,\"data_offsets\":[0,1]}}"})
    void messageStaysShort(String label, Kind kind, String template) {
        String header = template.replace("SHAPE_BIG", SHAPE.replace("3]", "18446744073709551615,3]"))
                .replace("SHAPE", SHAPE).replace("NAME", NAME);
        SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class,
                () -> SafeTensorsFile.open(new MemorySource(TestFiles.file(header, 1), label), Header.DEFAULT_MAX_SIZE));
        assertThat(e.kind()).isEqualTo(kind);
        assertThat(e.getMessage()).hasSizeLessThan(600);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"header", "file"})
    void aLookupOfAnAbsurdNameSaysSoBriefly(String where) {
        byte[] file = TestFiles.file("{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
        try (SafeTensorsFile f = SafeTensorsFile.open(new MemorySource(file, "lookup"), Header.DEFAULT_MAX_SIZE)) {
            SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class,
                    () -> {
                        if (where.equals("header")) {
                            f.header().info(NAME);
                        } else {
                            f.tensor(NAME);
                        }
                    });
            assertThat(e.kind()).isEqualTo(Kind.TensorNotFound);
            assertThat(e.getMessage()).hasSizeLessThan(600).contains("nnnn");
        }
    }
}
