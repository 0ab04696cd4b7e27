package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inspect}'s tree, {@code stats}, {@code diff} and {@code report} through the real launcher
 * ({@code ./safetensors}): piped (plain rows, no progress, only errors on stderr) and on a pseudo-terminal made
 * by util-linux {@code script} (the tree, in box-drawing characters under a UTF-8 locale and ASCII under C, and a
 * progress line on stderr), with the exit statuses the commands document. Runs after packaging (cli/pom.xml).
 */
@Tag("slow")
class ValueCommandsLauncherTest {
    private static final Path LAUNCHER = Cli.fixture("").getParent().getParent().resolve("safetensors");
    private static final Path PEFT = Cli.fixture("anirudh-ak__peft-gpt2__model__lora_model__adapter_model.safetensors");

    @TempDir
    Path dir;
    Path a;
    Path b;

    @BeforeEach
    void files() throws IOException {
        a = dir.resolve("a.safetensors");
        b = dir.resolve("b.safetensors");
        SafeTensorsWriter.create().add("layers.0.w", DType.F32, Shape.of(3), TensorData.of(new float[] {1, 2, 3}))
                .add("layers.1.w", DType.F32, Shape.of(3), TensorData.of(new float[] {4, 5, 6})).write(a);
        SafeTensorsWriter.create().add("layers.0.w", DType.F32, Shape.of(3), TensorData.of(new float[] {1, 2, 3}))
                .add("layers.1.w", DType.BF16, Shape.of(3), TensorData.of(new short[] {0x4080, 0x40a0, 0x40c1})).write(b);
    }

    @Test
    void pipedOutputIsPlain() throws Exception {
        BatchLauncherTest.Run inspect = BatchLauncherTest.run(Map.of(), "inspect", PEFT.toString());
        assertThat(inspect.exitCode()).isZero();
        assertThat(inspect.out()).contains("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight").doesNotContain("├");

        BatchLauncherTest.Run stats = BatchLauncherTest.run(Map.of(), "stats", a.toString());
        assertThat(stats.exitCode()).isZero();
        assertThat(stats.out().lines()).containsExactly(a + ": 2 tensors",
                "  NAME        DTYPE  SHAPE  MIN  MAX  MEAN       STD  ZEROS  NAN  +INF  -INF",
                "  layers.0.w  F32    [3]      1    3     2  0.816497     0%    0     0     0",
                "  layers.1.w  F32    [3]      4    6     5  0.816497     0%    0     0     0");
        assertThat(stats.errors()).isEmpty();

        // BF16 0x40c1 is 6.03125: equal within rtol 0.01, not without.
        BatchLauncherTest.Run differ = BatchLauncherTest.run(Map.of(), "diff", a.toString(), b.toString());
        assertThat(differ.exitCode()).isEqualTo(1);
        assertThat(differ.out()).contains("  layers.1.w  F32 -> BF16  0.03125  0.00518135        1  [2]: 6.0 vs 6.03125")
                .endsWith("different\n");
        assertThat(differ.errors()).isEmpty();
        assertThat(BatchLauncherTest.run(Map.of(), "diff", "--rtol", "0.01", a.toString(), b.toString()).exitCode()).isZero();
        BatchLauncherTest.Run missing = BatchLauncherTest.run(Map.of(), "diff", a.toString(), dir.resolve("none").toString());
        assertThat(missing.exitCode()).isEqualTo(3);
        assertThat(missing.errors()).containsExactly("safetensors: IoError: " + dir.resolve("none")
                + ": cannot open the file: no such file (check the path)");
        assertThat(BatchLauncherTest.run(Map.of(), "diff", a.toString()).exitCode()).isEqualTo(2);

        Path html = dir.resolve("r.html");
        BatchLauncherTest.Run report = BatchLauncherTest.run(Map.of(), "report", a.toString(), "-o", html.toString());
        assertThat(report.exitCode()).as(report.err()).isZero();
        assertThat(report.out()).isEmpty();
        assertThat(report.errors()).singleElement().asString().startsWith(html + ": wrote the report of 2 tensors");
        assertThat(Files.readString(html)).startsWith("<!DOCTYPE html>").contains("layers.{0,1}");
    }

    @Test
    void aTerminalGetsTheTreeAndProgress() throws Exception {
        Tty tree = tty("C.UTF-8", "inspect", PEFT.toString());
        assertThat(tree.exitCode()).isZero();
        assertThat(tree.text()).contains("  └─ transformer.h.{0..11}.attn.c_attn  ×12    24 tensors");
        Tty ascii = tty("C", "inspect", PEFT.toString());
        assertThat(ascii.text()).contains("  `- transformer.h.{0..11}.attn.c_attn  x12    24 tensors");

        Tty stats = tty("C.UTF-8", "stats", a.toString());
        assertThat(stats.exitCode()).isZero();
        assertThat(stats.raw()).contains("\rstats 100%");
        assertThat(stats.text()).contains("  layers.1.w  F32    [3]      4    6     5  0.816497")
                .containsPattern("read 24 B in [0-9.]+ s \\(.*/s\\) on \\d+ threads?");
        assertThat(tty("C.UTF-8", "stats", "--quiet", a.toString()).raw()).doesNotContain("stats 100%");

        Tty diff = tty("C.UTF-8", "diff", a.toString(), b.toString());
        assertThat(diff.exitCode()).as("script passes the exit status on").isEqualTo(1);
        assertThat(diff.raw()).contains("\rdiff 100%");

        Path html = dir.resolve("tty.html");
        Tty report = tty("C.UTF-8", "report", PEFT.toString(), "-o", html.toString());
        assertThat(report.exitCode()).isZero();
        assertThat(report.raw()).contains("report 100%");
        assertThat(html).exists();
    }

    /** What a pseudo-terminal showed: stdout and stderr together, as the terminal received them. */
    record Tty(int exitCode, String raw) {
        /** Lines without the carriage returns the terminal adds. */
        String text() {
            return raw.replace("\r\n", "\n");
        }
    }

    /** The launcher on a pseudo-terminal under {@code locale}: {@code script -qec COMMAND /dev/null}. */
    private static Tty tty(String locale, String... args) throws Exception {
        List<String> words = new ArrayList<>(List.of(LAUNCHER.toString()));
        words.addAll(List.of(args));
        StringBuilder command = new StringBuilder();
        for (String w : words) {
            command.append(command.isEmpty() ? "" : " ").append('\'').append(w.replace("'", "'\\''")).append('\'');
        }
        ProcessBuilder pb = new ProcessBuilder("script", "-qec", command.toString(), "/dev/null").redirectErrorStream(true);
        pb.environment().put("LANG", locale);
        pb.environment().put("LC_ALL", locale);
        // The bars (me.tongfei:progressbar, as every command draws them) show at once, not after half a second.
        pb.environment().put("JAVA_OPTS", "-Dsafetensors.progress.delay.ms=0");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("the launcher finished").isTrue();
        return new Tty(p.exitValue(), out);
    }
}
