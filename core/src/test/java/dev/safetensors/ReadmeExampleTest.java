package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java example in README.md is this code, compiled and run; the test fails if the two drift apart. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    static void example(Path path) {
        // README:begin
        // path = Path.of("model.safetensors"), for instance.
        // Write: declare the tensors, then stream them to disk (temp file, fsync, atomic rename).
        SafeTensorsWriter.create()
                .putMetadata("format", "pt")
                .add("embed", DType.F32, Shape.of(2, 3), TensorData.of(new float[] {0, 1, 2, 3, 4, 5}))
                .add("step", DType.I64, Shape.of(), TensorData.of(new long[] {1000}))
                .write(path);

        // Read: open validates the header; the file is mapped on first use, tensors are zero-copy views.
        try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
            Tensor embed = file.tensor("embed");
            System.out.println(embed.dtype() + " " + embed.shape());       // F32 [2, 3]
            float[] values = embed.toFloatArray();                  // 0.0, 1.0, ... 5.0
            MemorySegment bytes = embed.data();                     // read-only view of the mapping
            System.out.println(values[5] + " " + bytes.byteSize());        // 5.0 24
            System.out.println(file.metadata().orElseThrow());             // {format=pt}
        } catch (SafeTensorsException e) {
            System.out.println(e.kind() + ": " + e.getMessage());          // e.g. InvalidOffset: model.safetensors: ...
        }
        // README:end
    }

    @Test
    void exampleRunsAndPrintsWhatTheCommentsSay() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            example(dir.resolve("model.safetensors"));
        } finally {
            System.setOut(original);
        }
        assertThat(buf.toString(StandardCharsets.UTF_8).lines()).containsExactly("F32 [2, 3]", "5.0 24", "{format=pt}");
    }

    @Test
    void readmeShowsExactlyThisExample() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/safetensors/ReadmeExampleTest.java"));
        String snippet = source.substring(source.indexOf("// README:begin\n") + 16, source.indexOf("        // README:end"));
        String dedented = snippet.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce("", (a, b) -> a + b + "\n");
        String readme = Files.readString(TestFiles.testdata().getParent().resolve("README.md"));
        assertThat(readme).contains(dedented);
    }
}
