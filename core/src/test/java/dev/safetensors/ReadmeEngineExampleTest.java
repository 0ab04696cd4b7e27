package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's example of the API engines use (in memory, decoding into caller memory, iteration, hints), run. */
class ReadmeEngineExampleTest {
    @TempDir
    Path dir;

    static void example(Path path, OutputStream upload) throws IOException {
        // README-engines:begin
        // In memory, like the reference's save(...) -> bytes and load(bytes): nothing is copied on open.
        SafeTensorsWriter writer = SafeTensorsWriter.create()
                .add("w", DType.BF16, Shape.of(2, 2), TensorData.of(new short[] {0x3F80, 0x4000, (short) 0xBF80, 0x4040}));
        byte[] bytes = writer.toByteArray();
        writer.writeTo(upload);                      // or a WritableByteChannel: streamed, no temp file

        try (SafeTensorsFile file = SafeTensorsFile.open(bytes); Arena arena = Arena.ofConfined()) {
            Tensor w = file.tensor("w");
            MemorySegment f32 = arena.allocate(w.byteSize(DType.F32));            // 16 bytes
            w.copyTo(f32, DType.F32);                // widened in one pass into your memory, any size
            System.out.println(f32.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 3));     // 3.0
            for (Tensor t : file.tensors()) {        // file order; shard by shard for a sharded checkpoint
                System.out.println(t);                                             // Tensor[w: BF16[2, 2]]
            }
        }

        // Read-ahead: ask the OS for the next tensors' pages while you work on the current one.
        try (Checkpoint ckpt = Checkpoint.open(path)) {
            List<Tensor> tensors = ckpt.tensors();
            for (int i = 0; i < tensors.size(); i++) {
                if (i + 1 < tensors.size()) {
                    tensors.get(i + 1).prefetch();   // madvise / posix_fadvise; skipped without native access
                }
                System.out.println(tensors.get(i).toFloatArray()[0]);             // 1.0
            }
        }
        // README-engines:end
    }

    @Test
    void exampleRunsAndPrintsWhatTheCommentsSay() throws IOException {
        Path path = dir.resolve("model.safetensors");
        ByteArrayOutputStream upload = new ByteArrayOutputStream();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            SafeTensorsWriter.create()
                    .add("w", DType.BF16, Shape.of(2, 2), TensorData.of(new short[] {0x3F80, 0x4000, (short) 0xBF80, 0x4040}))
                    .write(path);
            example(path, upload);
        } finally {
            System.setOut(original);
        }
        assertThat(buf.toString(StandardCharsets.UTF_8).lines()).containsExactly("3.0", "Tensor[w: BF16[2, 2]]", "1.0");
        assertThat(upload.toByteArray()).isEqualTo(Files.readAllBytes(path));
    }

    @Test
    void readmeShowsExactlyThisExample() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/safetensors/ReadmeEngineExampleTest.java"));
        String begin = "// README-engines:begin\n";
        String snippet = source.substring(source.indexOf(begin) + begin.length(), source.indexOf("        // README-engines:end"));
        String dedented = snippet.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce("", (a, b) -> a + b + "\n");
        String readme = Files.readString(TestFiles.testdata().getParent().resolve("README.md"));
        assertThat(readme).contains(dedented);
    }
}
