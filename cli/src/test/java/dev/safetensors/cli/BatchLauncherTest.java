package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.ShardedWriter;
import dev.safetensors.TensorData;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code validate} and {@code inspect} of many paths through the real launcher ({@code ./safetensors}, the
 * packaged jar in its own JVM): a verdict or an error line for every path, exit status 1 when any failed, and
 * a file too big for the heap reported as such without ending the run. Runs after packaging (cli/pom.xml),
 * so not in {@code ./run-tests --quick}.
 */
@Tag("slow")
class BatchLauncherTest {
    private static final Path LAUNCHER = Cli.fixture("").getParent().getParent().resolve("safetensors");

    @TempDir
    Path dir;
    Path good;
    Path bad;
    Path missing;
    Path shards;

    record Run(int exitCode, String out, String err) {
        /** stderr without the JVM's note about JDK_JAVA_OPTIONS and the launcher's note that it is building. */
        List<String> errors() {
            return err.lines().filter(l -> !l.startsWith("NOTE: Picked up") && !l.startsWith("Building the safetensors CLI"))
                    .toList();
        }
    }

    @BeforeEach
    void files() throws IOException {
        good = dir.resolve("good.safetensors");
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2})).write(good);
        bad = Files.write(dir.resolve("bad.safetensors"), new byte[] {1, 2, 3});
        missing = dir.resolve("missing.safetensors");
        shards = Files.createDirectories(dir.resolve("shards"));
        ShardedWriter w = ShardedWriter.create(8);
        w.add("a", DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2}));
        w.add("b", DType.F32, Shape.of(2), TensorData.of(new float[] {3, 4}));
        w.write(shards, "model");
    }

    static Run run(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("the launcher finished").isTrue();
        return new Run(p.exitValue(), out, err.get());
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void validateGivesEveryPathAVerdict() throws Exception {
        Run r = run(Map.of(), "validate", good.toString(), bad.toString(), missing.toString(), shards.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.out().lines()).containsExactly(
                good + ": OK (1 tensors)",
                bad + ": INVALID HeaderTooSmall: header too small: the file has 3 bytes, fewer than the 8-byte header length",
                missing + ": INVALID IoError: cannot open the file: no such file",
                shards.resolve("model-00001-of-00002.safetensors") + ": OK (1 tensors)",
                shards.resolve("model-00002-of-00002.safetensors") + ": OK (1 tensors)",
                shards.resolve("model.safetensors.index.json") + ": OK (2 tensors in 2 shards)");
        assertThat(r.errors()).isEmpty();
        assertThat(run(Map.of(), "validate", good.toString(), shards.toString()).exitCode()).isZero();
        assertThat(run(Map.of(), "validate").exitCode()).isEqualTo(2);
    }

    @Test
    void inspectShowsEveryPathAndFailsAtTheEnd() throws Exception {
        Run r = run(Map.of(), "inspect", bad.toString(), good.toString(), missing.toString(), shards.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains(good.toString()).contains(shards + ": sharded checkpoint, 2 tensors in 2 shards");
        assertThat(r.errors()).containsExactly(
                "safetensors: HeaderTooSmall: " + bad + ": header too small: the file has 3 bytes, fewer than the "
                        + "8-byte header length",
                "safetensors: IoError: " + missing + ": cannot open the file: no such file");
        assertThat(run(Map.of(), "inspect", good.toString(), shards.toString()).exitCode()).isZero();
    }

    /** A 90 MB header in a 64 MB heap: that path is reported, the next one still checked. */
    @Test
    void aFileTooBigForTheHeapDoesNotEndTheRun() throws Exception {
        Path huge = dir.resolve("huge.safetensors");
        long n = 90_000_000;
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN).putLong(n).put((byte) '{').array());
            f.setLength(8 + n);   // sparse: no disk space used
        }
        Map<String, String> smallHeap = Map.of("JDK_JAVA_OPTIONS", "-Xmx64m");
        Run v = run(smallHeap, "validate", huge.toString(), good.toString());
        assertThat(v.exitCode()).as(v.err()).isEqualTo(1);
        List<String> lines = v.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith(huge + ": ").doesNotContain(": OK");
        assertThat(lines.get(1)).isEqualTo(good + ": OK (1 tensors)");
        assertThat(v.errors()).isEmpty();

        Run i = run(smallHeap, "inspect", huge.toString(), good.toString());
        assertThat(i.exitCode()).isEqualTo(1);
        assertThat(i.out()).startsWith(good.toString());
        assertThat(i.errors()).hasSize(1).first().asString().startsWith("safetensors: ").contains(huge.toString());
    }
}
