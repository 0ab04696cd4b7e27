package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real launcher ({@code ./safetensors}) on a terminal (a pseudo-terminal from util-linux {@code script}) and
 * piped: progress bars only on the terminal and not with {@code --quiet}, the same output either way otherwise,
 * exit statuses and one-line errors, {@code JAVA_OPTS} passed to the JVM, a symlinked launcher, the start-up cache
 * in use, completion loaded into bash, and extract, quantize, dequantize and bench end to end. Runs after
 * {@code package} (cli/pom.xml).
 */
@Tag("slow")
class TerminalLauncherTest {
    @TempDir
    static Path dir;

    private static Path launcher;
    private static Path root;
    private static Path input;

    record Run(int exitCode, String out, String err) {
    }

    /** The checkout holding {@code ./safetensors} and a built jar; the test is skipped (with why) otherwise. */
    static Path checkout() {
        Path r = Path.of("").toAbsolutePath();
        while (r != null && !Files.isRegularFile(r.resolve("safetensors"))) {
            r = r.getParent();
        }
        Assumptions.assumeTrue(r != null, "the ./safetensors launcher is not above " + Path.of("").toAbsolutePath());
        Assumptions.assumeTrue(Files.isRegularFile(r.resolve("cli/target/safetensors.jar")),
                "the CLI jar is not built: this test runs in the integration-test phase, after package");
        return r;
    }

    @BeforeAll
    static void findLauncher() throws IOException {
        root = checkout();
        launcher = root.resolve("safetensors");
        input = dir.resolve("in.safetensors");
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(1 << 20), TensorData.of(new float[1 << 20])).write(input);
    }

    /** Through pipes, with {@code env} added to the environment. */
    static Run piped(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        return exec(env, command);
    }

    /** On a pseudo-terminal: stdout and stderr both go to it, so they come back together as {@code out}. */
    static Run onTerminal(Map<String, String> env, String commandLine) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "util-linux script is not installed");
        return exec(env, List.of("/usr/bin/script", "-qec", commandLine, "/dev/null"));
    }

    private static Run exec(Map<String, String> env, List<String> command) throws Exception {
        return exec(dir, env, command);
    }

    /** Runs {@code command} in {@code workDir} with {@code env} added, its stdin closed. */
    static Run exec(Path workDir, Map<String, String> env, List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("the launcher finished").isTrue();
        return new Run(p.exitValue(), out, err.get());
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static final Map<String, String> NO_DELAY = Map.of("JAVA_OPTS", "-Dsafetensors.progress.delay.ms=0");

    @Test
    void progressOnATerminalOnlyAndNotWithQuiet() throws Exception {
        Path out = dir.resolve("tty.safetensors");
        Run tty = onTerminal(NO_DELAY, launcher + " convert " + input + " " + out + " --dtype bf16");
        assertThat(tty.exitCode()).as(tty.out()).isZero();
        assertThat(tty.out()).contains("\rconvert ", "100%", "kB/s", out + ": wrote 1 tensor (1 converted)");

        Run quiet = onTerminal(NO_DELAY, launcher + " --quiet convert " + input + " " + out + " --dtype bf16");
        assertThat(quiet.exitCode()).isZero();
        assertThat(quiet.out()).doesNotContain("\rconvert", "%").contains(": wrote 1 tensor");

        Run pipe = piped(NO_DELAY, "convert", input.toString(), out.toString(), "--dtype", "bf16");
        assertThat(pipe.exitCode()).as(pipe.err()).isZero();
        assertThat(pipe.err()).doesNotContain("\r", "%");
        assertThat(pipe.out()).startsWith(out + ": wrote 1 tensor (1 converted), ").endsWith(" bytes\n").hasLineCount(1);
    }

    /** The flat table is the same on a terminal and piped (without --flat, a terminal gets the tree: InspectTreeTest). */
    @Test
    void theSameTableOnATerminalAndThroughAPipe() throws Exception {
        Run pipe = piped(Map.of(), "inspect", input.toString());
        Run tty = onTerminal(Map.of(), launcher + " inspect --flat " + input);
        assertThat(pipe.exitCode()).isZero();
        assertThat(tty.exitCode()).isZero();
        assertThat(tty.out().replace("\r\n", "\n")).isEqualTo(pipe.out());
        assertThat(pipe.out()).containsPattern("\n  w +F32 +\\[1048576\\] +4,194,304\n");
    }

    @Test
    void errorsAreOneLineWithTheirStatusAndVerboseAddsTheTrace() throws Exception {
        Path missing = dir.resolve("missing.safetensors");
        Run r = piped(Map.of(), "inspect", missing.toString());
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.err()).isEqualTo("safetensors: IoError: " + missing + ": cannot open the file: no such file "
                + "(check the path)\n");
        Run verbose = piped(Map.of(), "--verbose", "inspect", missing.toString());
        assertThat(verbose.exitCode()).isEqualTo(3);
        assertThat(verbose.err()).startsWith("safetensors: IoError: ").contains("\tat dev.safetensors.");
        Run usage = onTerminal(Map.of(), launcher + " convert --max-shard-size 0 " + input + " " + dir.resolve("s"));
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.out().lines()).containsExactly("safetensors convert: --max-shard-size `0` is less than one "
                + "byte; give a size such as 5GB or 500MiB", "Try 'safetensors convert --help' for more information.");
        Run invalid = piped(Map.of(), "validate", Files.write(dir.resolve("bad.safetensors"), new byte[3]).toString());
        assertThat(invalid.exitCode()).isEqualTo(1);
    }

    /** JAVA_OPTS reaches the JVM: its own report of the heap limit. */
    @Test
    void javaOptsReachTheJvm() throws Exception {
        Run r = piped(Map.of("JAVA_OPTS", "-Xmx77m -XshowSettings:vm"), "--version");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("Max. Heap Size: 77.00M");
        assertThat(r.out()).startsWith("safetensors-java ");
    }

    /** ~/bin/safetensors -> checkout/safetensors: the launcher finds its checkout through the link. */
    @Test
    void worksThroughASymlink() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path link = Files.createSymbolicLink(bin.resolve("safetensors"), launcher);
        Path chained = Files.createSymbolicLink(dir.resolve("st"), link);
        for (Path l : List.of(link, chained)) {
            Run r = exec(Map.of(), List.of(l.toString(), "validate", input.toString()));
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out()).isEqualTo(input + ": OK (1 tensor)\n");
        }
    }

    /** The build made the start-up cache for this jar, and the launcher's JVM maps it. */
    @Test
    void theStartUpCacheIsUsed() throws Exception {
        Path cache = root.resolve("cli/target/safetensors.aot");
        assertThat(cache).as("made by the build (cli/aot-cache); see %s.log", cache).isNotEmptyFile();
        assertThat(Files.readString(root.resolve("cli/target/safetensors.aot.jdk")))
                .endsWith(" " + root.resolve("cli/target/safetensors.jar") + "\n");
        Run r = piped(Map.of("JAVA_OPTS", "-Xlog:aot=info"), "--version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Opened AOT cache " + cache);
    }

    /** The bash script picocli generates, loaded as the documented command loads it, completes commands and dtypes. */
    @Test
    void completionLoadsIntoBashAndCompletes() throws Exception {
        String script = "source <(\"$L\" completion bash) && complete -p safetensors"
                + " && COMP_WORDS=(safetensors con) COMP_CWORD=1 && _complete_safetensors && echo \"${COMPREPLY[*]}\""
                + " && COMP_WORDS=(safetensors convert --dtype B) COMP_CWORD=3 && COMPREPLY=() && _complete_safetensors"
                + " && echo \"${COMPREPLY[*]}\"";
        Run r = exec(Map.of("L", launcher.toString()), List.of("bash", "-c", script));
        // (bash notes on stderr that compopt runs outside a real completion; the candidates are the point)
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines()).containsExactly("complete -o default -F _complete_safetensors safetensors", "convert",
                "BF16");
    }

    /**
     * The zsh script, sourced in an interactive zsh on a pseudo-terminal (zsh's own zpty): TAB completes a command
     * and a dtype as a user's shell would, and the completed line runs.
     */
    @Test
    void completionLoadsIntoZshAndCompletes() throws Exception {
        String zsh = ExternalTool.zsh();
        Run generated = piped(Map.of(), "completion", "zsh");
        assertThat(generated.exitCode()).as(generated.err()).isZero();
        Path script = Files.writeString(dir.resolve("completion.zsh"), generated.out());
        Path bin = Files.createDirectories(dir.resolve("zsh-bin"));
        Files.deleteIfExists(bin.resolve("safetensors"));
        Files.createSymbolicLink(bin.resolve("safetensors"), launcher);
        // `expect` waits (up to a minute) for text on the terminal; \t is TAB, ^A and ^E the line's start and end.
        String driver = String.join("\n",
                "zmodload zsh/zpty",
                "zpty z \"PATH=$BIN:$PATH PS1='> ' " + zsh + " -f -i\"",
                "expect() { local deadline=$((SECONDS + 60)) buf=\"\" line",
                "  while (( SECONDS < deadline )); do",
                "    if zpty -r -t z line; then buf+=$line; [[ ${buf//$'\\r'/} == *$1* ]] && return 0; else sleep 0.1; fi",
                "  done; print -r -- \"no '$1' in: $buf\"; exit 1; }",
                "zpty -w z \"source $SCRIPT; echo READY\"",
                "expect $'\\nREADY'",
                "zpty -w -n z $'safetensors conv\\t'",
                "expect 'safetensors convert'",
                "zpty -w -n z $' --dtype BF\\t'",
                "expect 'BF16'",
                "zpty -w z $'\\x01echo DONE:\\x05'",
                "expect $'\\nDONE:safetensors convert --dtype BF16'",
                "print OK");
        Run r = exec(Map.of("BIN", bin.toString(), "SCRIPT", script.toString()), List.of(zsh, "-f", "-c", driver));
        assertThat(r.out()).as(r.err()).endsWith("OK\n");
        assertThat(r.exitCode()).isZero();
    }

    /** extract through the launcher: BF16 decoded to float32 .npy, to a file when piped and to `-o -` on a terminal. */
    @Test
    void extractOnATerminalAndPiped() throws Exception {
        float[] values = {1.5f, -2f, 3.25f, 0f, -0.5f, 256f, 1e-3f, 7f};  // 1e-3 is not a BF16: expected = the bits written
        short[] bf16 = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            bf16[i] = (short) (Float.floatToRawIntBits(values[i]) >>> 16);  // truncation: the test's own BF16 encoder
        }
        Path in = dir.resolve("bf16.safetensors");
        SafeTensorsWriter.create().add("x", DType.BF16, Shape.of(2, 4), TensorData.of(bf16)).write(in);
        Path npy = dir.resolve("x.npy");
        Run pipe = piped(Map.of(), "extract", in.toString(), "x", "--dtype", "F32", "-o", npy.toString());
        assertThat(pipe.exitCode()).as(pipe.err()).isZero();
        byte[] file = Files.readAllBytes(npy);
        assertThat(new String(file, 0, 6, StandardCharsets.ISO_8859_1)).isEqualTo("\u0093NUMPY");
        assertThat(new String(file, StandardCharsets.ISO_8859_1)).contains("'descr': '<f4'", "'shape': (2, 4)");
        java.nio.ByteBuffer data = java.nio.ByteBuffer.wrap(file, file.length - 4 * values.length, 4 * values.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i++) {
            assertThat(data.getFloat()).as("element %d", i).isEqualTo(Float.intBitsToFloat((bf16[i] & 0xffff) << 16));
        }
        Run tty = onTerminal(Map.of(), launcher + " extract " + in + " x --dtype F32 -o - 2>/dev/null | wc -c");
        assertThat(tty.exitCode()).as(tty.out()).isZero();
        assertThat(tty.out().strip()).isEqualTo(String.valueOf(file.length));
    }

    /** quantize then dequantize through the launcher, piped and on a terminal: the weights come back within FP8's error. */
    @Test
    void quantizeAndDequantizeOnATerminalAndPiped() throws Exception {
        Path model = Files.createDirectories(dir.resolve("dense"));
        float[] w = new float[128 * 128];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i * 0.37) * 0.5f;
        }
        SafeTensorsWriter.create()
                .add("model.layers.0.mlp.up_proj.weight", DType.F32, Shape.of(128, 128), TensorData.of(w))
                .add("model.norm.weight", DType.F32, Shape.of(128), TensorData.of(new float[128]))
                .write(model.resolve("model.safetensors"));
        Files.writeString(model.resolve("config.json"), "{\"model_type\": \"llama\"}");
        Path fp8 = dir.resolve("fp8");
        Run q = piped(NO_DELAY, "quantize", model.toString(), fp8.toString(), "--scheme", "fp8");
        assertThat(q.exitCode()).as(q.err()).isZero();
        assertThat(q.err()).doesNotContain("\r");
        Path back = dir.resolve("back");
        Run d = onTerminal(NO_DELAY, launcher + " dequantize " + fp8 + " " + back + " --dtype F32");
        assertThat(d.exitCode()).as(d.out()).isZero();
        try (dev.safetensors.SafeTensorsFile f = dev.safetensors.SafeTensorsFile.open(back.resolve("model.safetensors"))) {
            float[] r = f.tensor("model.layers.0.mlp.up_proj.weight").toFloatArray();
            for (int i = 0; i < w.length; i++) {
                // E4M3 keeps 3 mantissa bits: a relative error of at most 2^-4 of the value, plus the scale's rounding
                assertThat(Math.abs(r[i] - w[i])).as("element %d", i).isLessThanOrEqualTo(Math.abs(w[i]) / 16 + 1e-3f);
            }
        }
    }

    /** bench through the launcher: the figures and their in-run baselines, piped and on a terminal. */
    @Test
    void benchOnATerminalAndPiped() throws Exception {
        Run pipe = piped(Map.of(), "bench", "--runs", "1", input.toString());
        assertThat(pipe.exitCode()).as(pipe.err()).isZero();
        assertThat(pipe.out()).contains("memcpy");
        assertThat(pipe.err()).doesNotContain("\r");
        Run tty = onTerminal(Map.of(), launcher + " bench --runs 1 --json " + input);
        assertThat(tty.exitCode()).as(tty.out()).isZero();
        assertThat(tty.out()).contains("\"memcpy");
    }
}
