package dev.safetensors.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Values written as Python's json.dumps writes them; the expected texts are CPython 3's output. */
class PythonJsonTest {

    /** repr(float) as CPython prints it (python3 -c 'print(repr(x))'). */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "1e20; 1e+20", "1e16; 1e+16", "1e15; 1000000000000000.0", "1234567890123456.0; 1234567890123456.0",
            "12345678901234567.0; 1.2345678901234568e+16", "0.0001; 0.0001", "0.00001; 1e-05", "1.5e-7; 1.5e-07",
            "-0.0; -0.0", "0.0; 0.0", "100.0; 100.0", "0.1; 0.1", "0.3333333333333333; 0.3333333333333333",
            "2.5e300; 2.5e+300", "4.9e-324; 5e-324", "9.9e-324; 1e-323", "1.7976931348623157e308; 1.7976931348623157e+308",
            "-123.456; -123.456", "1e22; 1e+22", "9007199254740993.0; 9007199254740992.0"})
    void doublesAsPythonReprWritesThem(double value, String python) {
        assertThat(JsonWriter.pythonFloat(value)).isEqualTo(python);
    }

    @Test
    void nonFiniteNumbersAndUnknownTypesAreRefused() {
        assertThatThrownBy(() -> JsonWriter.appendValue(new StringBuilder(), Double.NaN, JsonWriter.Style.PYTHON))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonWriter.appendValue(new StringBuilder(), List.of(new Object()), JsonWriter.Style.PYTHON))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Object");
        assertThatThrownBy(() -> JsonWriter.appendValue(new StringBuilder(), Map.of(1, "x"), JsonWriter.Style.PYTHON))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keys are strings");
    }

    /** json.dumps(doc, indent=2, sort_keys=True) of the same document, printed by CPython 3. */
    @Test
    void indentedLikeJsonDumpsWithSortedKeys() {
        Map<String, Object> quant = new LinkedHashMap<>();
        quant.put("group", List.of(1, 2));
        quant.put("bits", 4);
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("b", 1);
        inner.put("a", Arrays.asList(true, null));
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("total_size", 10L);
        metadata.put("quant", quant);
        metadata.put("empty", Map.of());
        metadata.put("list", List.of());
        metadata.put("nested", List.of(inner));
        metadata.put("name", "é");
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("metadata", metadata);
        doc.put("weight_map", Map.of("b", "m-00002-of-00002.safetensors"));
        doc.put("format_version", "x");
        StringBuilder sb = new StringBuilder();
        JsonWriter.appendIndented(sb, doc, 0);
        assertThat(sb.toString()).isEqualTo("""
                {
                  "format_version": "x",
                  "metadata": {
                    "empty": {},
                    "list": [],
                    "name": "\\u00e9",
                    "nested": [
                      {
                        "a": [
                          true,
                          null
                        ],
                        "b": 1
                      }
                    ],
                    "quant": {
                      "bits": 4,
                      "group": [
                        1,
                        2
                      ]
                    },
                    "total_size": 10
                  },
                  "weight_map": {
                    "b": "m-00002-of-00002.safetensors"
                  }
                }""");
    }

    @Test
    void exactNumbersKeepTheirText() {
        byte[] json = "[1e20, 0.10, 123456789012345678901234567890, -0, 1E+2]".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        JsonCursor in = new JsonCursor(json, 0, json.length, "t", "document");
        List<?> exact = (List<?>) in.readExactValue(1);
        StringBuilder sb = new StringBuilder();
        JsonWriter.appendValue(sb, exact, JsonWriter.Style.SERDE);
        assertThat(sb.toString()).isEqualTo("[1e20, 0.10, 123456789012345678901234567890, -0, 1E+2]");
        assertThat(((JsonNumber) exact.get(2)).toPlain()).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(((JsonNumber) exact.get(0)).toPlain()).isEqualTo(1e20);
        // Refused exactly where the plain reader refuses.
        byte[] huge = "[1e400]".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThatThrownBy(() -> new JsonCursor(huge, 0, huge.length, "t", "document").readExactValue(1))
                .hasMessageContaining("out of range");
    }
}
