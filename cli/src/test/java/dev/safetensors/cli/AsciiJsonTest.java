package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.internal.json.JsonReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --json output is ASCII, so a stdout that is not UTF-8 (LANG=C) keeps it whole: names beyond ASCII came out
 * as '?' there, and a script reading them found no such tensor.
 */
class AsciiJsonTest {
    @TempDir
    Path dir;

    private static final String NAME = "\u00e9.\u00fc.\ud83d\udca5";

    @Test
    void jsonOfEveryCommandIsAsciiAndReadsBackTheNames() throws Exception {
        Path f = dir.resolve("unicode.safetensors");
        SafeTensorsWriter.create().putMetadata("k", "na\u00efve")
                .add(NAME, DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2})).write(f);
        for (String[] args : new String[][] {{"stats", "--json", f.toString()}, {"inspect", "--json", f.toString()},
                {"diff", "--json", f.toString(), f.toString()}}) {
            Cli r = Cli.run(args);
            assertThat(r.exitCode()).as(r.err()).isZero();
            String json = r.out().strip();
            assertThat(json.chars()).as(args[0]).allMatch(c -> c < 0x80);
            assertThat(json).as(args[0]).contains("\\u00e9.\\u00fc.\\ud83d\\udca5");
            Object parsed = JsonReader.parse(json.getBytes(StandardCharsets.US_ASCII), args[0]);
            assertThat(parsed.toString()).as(args[0]).contains(NAME);
        }
        assertThat(AsciiJson.of("{\"a\": \"x\"}")).isEqualTo("{\"a\": \"x\"}");
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) JsonReader.parse(AsciiJson.of("{\"\u00e9\": \"\ud83d\udca5\"}")
                .getBytes(StandardCharsets.US_ASCII), "t");
        assertThat(m).containsEntry("\u00e9", "\ud83d\udca5");
    }
}
