package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ./safetensors convert} under the real launcher, stopped while it writes: SIGTERM and SIGINT (Ctrl-C)
 * leave no temp file beside the target; after SIGKILL the temp file stays until the next write in that
 * directory removes it. Runs after {@code package} (the launcher runs the built jar; see cli/pom.xml).
 */
@EnabledOnOs(value = OS.LINUX, disabledReason = "sends POSIX signals with kill(1) and reads /proc")
@Tag("slow")
class SignalsLauncherTest {
    @TempDir
    static Path inputs;

    @TempDir
    Path dir;

    private static Path launcher;
    private static Path input;

    @BeforeAll
    static void findLauncherAndWriteInput() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("safetensors"))) {
            root = root.getParent();
        }
        Assumptions.assumeTrue(root != null, "the ./safetensors launcher is not above " + Path.of("").toAbsolutePath());
        Path jar = root.resolve("cli/target/safetensors.jar");
        Assumptions.assumeTrue(Files.isRegularFile(jar),
                "the CLI jar is not built: this test runs in the integration-test phase, after package");
        // As the launcher decides: sources newer than the jar would make it rebuild, a build inside the build.
        long built = Files.getLastModifiedTime(jar).toMillis();
        for (String sources : List.of("core/src/main", "cuda/src/main", "torch/src/main", "cli/src/main", "pom.xml",
                "core/pom.xml", "cuda/pom.xml", "torch/pom.xml", "cli/pom.xml")) {
            try (Stream<Path> s = Files.walk(root.resolve(sources))) {
                Assumptions.assumeTrue(s.noneMatch(p -> p.toFile().lastModified() > built),
                        "the CLI jar is older than " + sources + ": this test runs after package, in `verify`");
            }
        }
        launcher = root.resolve("safetensors");
        // 32 Mi F32 values (128 MiB) converted to F16 take long enough to be caught writing.
        input = inputs.resolve("big.safetensors");
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (int t = 0; t < 8; t++) {
            int n = 4 << 20;
            w.add("w" + t, DType.F32, Shape.of(n), sink -> {
                byte[] block = new byte[1 << 20];
                for (int i = 0; i < block.length; i += 4) {
                    block[i + 3] = 0x3f;       // 0.5f
                }
                for (long off = 0; off < 4L * n; off += block.length) {
                    sink.write(block);
                }
            });
        }
        w.write(input);
    }

    /** Whether this JVM ignores {@code signal} (a background job without job control ignores SIGINT); children inherit it. */
    private static boolean ignored(int signal) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << (signal - 1))) != 0;
            }
        }
        return false;
    }

    private Process convert(Path out) throws IOException {
        return new ProcessBuilder(launcher.toString(), "convert", input.toString(), out.toString(), "--dtype", "F16")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private List<Path> temps() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".safetensors-tmp")).toList();
        }
    }

    /** Starts a convert and waits until its temp file is there; false when it finished first. */
    private boolean caughtWriting(Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (!temps().isEmpty()) {
                return true;
            }
            Thread.sleep(2);
        }
        return false;
    }

    private static void signal(Process p, String name) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).inheritIO().start().waitFor()).isZero();
    }

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"TERM", "INT"})
    void aStoppedConvertLeavesNoTempFile(String name) throws Exception {
        int number = name.equals("TERM") ? 15 : 2;
        Assumptions.assumeFalse(ignored(number), "SIG" + name + " is ignored by this process, and so by its children");
        Path out = dir.resolve("out.safetensors");
        for (int attempt = 0; ; attempt++) {
            Process p = convert(out);
            boolean writing = caughtWriting(p);
            if (writing) {
                signal(p, name);
            }
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            if (writing && !Files.exists(out)) {
                assertThat(p.exitValue()).as("exit status after SIG" + name).isEqualTo(128 + number);
                assertThat(temps()).as("temp files left after SIG" + name).isEmpty();
                return;
            }
            // The convert finished before the signal: try again (a fast machine), with a fresh target.
            Files.deleteIfExists(out);
            assertThat(attempt).as("a convert was never caught while writing").isLessThan(3);
        }
    }

    /** Re-sharding stopped before its commit: the directory is the old checkpoint, with no new shard left. */
    @Test
    void aStoppedReshardLeavesTheOldCheckpointAlone() throws Exception {
        Path out = Files.createDirectories(dir.resolve("sharded"));
        Process first = new ProcessBuilder(launcher.toString(), "convert", input.toString(), out.toString(),
                "--max-shard-size", "64MB").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(first.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).isZero();
        List<String> old = names(out);
        assertThat(old).contains("model.safetensors.index.json", "model-00001-of-00003.safetensors");
        Process p = new ProcessBuilder(launcher.toString(), "convert", input.toString(), out.toString(),
                "--max-shard-size", "20MB", "--dtype", "F16")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (p.isAlive() && System.nanoTime() < deadline && names(out).stream().noneMatch(n -> n.contains("-of-00004"))) {
            Thread.sleep(2);
        }
        signal(p, "TERM");
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("stopped before it finished").isEqualTo(143);
        assertThat(names(out)).as("the old checkpoint's files, nothing new").isEqualTo(old);
        try (dev.safetensors.Checkpoint ckpt = dev.safetensors.Checkpoint.open(out)) {
            assertThat(ckpt.tensor("w0").dtype()).isEqualTo(DType.F32);
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aKilledConvertsTempFileIsRemovedByTheNextWrite() throws Exception {
        Path out = dir.resolve("out.safetensors");
        Process p = convert(out);
        assertThat(caughtWriting(p)).as("caught writing").isTrue();
        p.destroyForcibly();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(temps()).as("SIGKILL runs no clean-up").hasSize(1);
        Path small = dir.resolve("small.safetensors");
        SafeTensorsWriter.create().add("x", DType.U8, Shape.of(1), dev.safetensors.TensorData.of(new byte[1])).write(small);
        Process next = new ProcessBuilder(launcher.toString(), "convert", small.toString(), dir.resolve("next.safetensors").toString())
                .redirectErrorStream(true).start();
        String output = new String(next.getInputStream().readAllBytes());
        assertThat(next.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(next.exitValue()).as(output).isZero();
        assertThat(temps()).as("removed by the next write in the directory").isEmpty();
        try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve("next.safetensors"))) {
            assertThat(f.size()).isEqualTo(1);
        }
    }
}
