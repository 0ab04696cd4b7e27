package dev.safetensors.torch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.SafeTensorsException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java example of torch/README.md is this code, compiled and run on the real MNIST checkpoint and on a hostile one. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    static void example(Path path, Path out) {
        // README:begin
        // path = Path.of("pytorch_model.bin"), out = Path.of("model.safetensors"), for instance.
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(path)) {
            TorchTensor first = ckpt.tensors().getFirst();
            System.out.println(first.name() + " " + first.dtype() + " " + first.shape());   // conv1.weight F32 [8, 1, 3, 3]
            ConversionReport r = TorchConverter.create().convert(ckpt, out);
            System.out.println(r.tensors() + " tensors, " + r.bytes() + " bytes");          // 20 tensors, 1507768 bytes
        } catch (SafeTensorsException e) {
            System.out.println(e.kind() + ": " + e.getMessage());
            // UnsafePickle: evil.bin: archive/data.pkl refers to a global off the allowlist: `posix.system` (byte 81):
            // it runs commands or code. Nothing was executed
        }
        // README:end
    }

    private static String run(Path path, Path out) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            example(path, out);
        } finally {
            System.setOut(original);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void exampleRunsAndPrintsWhatTheCommentsSay() throws IOException {
        String printed = run(Fixtures.real("tracel-ai__burn__examples__import-model-weights__weights__mnist.pt"),
                dir.resolve("model.safetensors"));
        assertThat(printed.lines()).containsExactly("conv1.weight F32 [8, 1, 3, 3]", "20 tensors, 1507768 bytes");
        Path evil = Files.copy(Fixtures.hostile("os_system.pt"), dir.resolve("evil.bin"));
        assertThat(run(evil, dir.resolve("never.safetensors")).replace(dir + "/", "")).isEqualTo(
                "UnsafePickle: evil.bin: archive/data.pkl refers to a global off the allowlist: `posix.system` (byte 81): "
                        + "it runs commands or code. Nothing was executed\n");
    }

    @Test
    void readmeShowsExactlyThisExample() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/safetensors/torch/ReadmeExampleTest.java"));
        String snippet = source.substring(source.indexOf("// README:begin\n") + 16, source.indexOf("        // README:end"));
        String dedented = snippet.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce("", (a, b) -> a + b + "\n");
        assertThat(Files.readString(Path.of("README.md"))).contains(dedented);
    }
}
