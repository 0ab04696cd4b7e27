package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatsCommandTest {
    @TempDir
    Path dir;

    /** The reference's f.safetensors holds range(-3, 3) as F32: mean -0.5, std sqrt(17.5 / 6) = 1.707825. */
    @Test
    void tableOfTheReferenceSample() {
        Path f = Cli.fixture("reference-samples/f.safetensors");
        Cli r = Cli.run("stats", f.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out().lines()).containsExactly(
                f + ": 1 tensor",
                "  NAME  DTYPE  SHAPE  MIN  MAX  MEAN      STD   ZEROS  NAN  +INF  -INF",
                "  f     F32    [6]     -3    2  -0.5  1.70783  16.67%    0     0     0");
    }

    private Path mixed() throws Exception {
        Path p = dir.resolve("mixed.safetensors");
        SafeTensorsWriter.create()
                .add("layers.0.w", DType.F32, Shape.of(4), TensorData.of(new float[] {0, Float.NaN, Float.NEGATIVE_INFINITY, 2}))
                .add("layers.10.w", DType.F32, Shape.of(1), TensorData.of(new float[] {1}))
                .add("layers.2.w", DType.F32, Shape.of(2), TensorData.of(new float[] {Float.NaN, Float.POSITIVE_INFINITY}))
                .add("q", DType.F6_E2M3, Shape.of(4), TensorData.of(new byte[] {0, 0, 0}))
                .write(p);
        return p;
    }

    @Test
    void namesInNaturalOrderSpecialValuesCountedApart() throws Exception {
        Path p = mixed();
        Cli r = Cli.run("stats", p.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out().lines()).containsExactly(
                p + ": 4 tensors",
                "  NAME         DTYPE    SHAPE  MIN  MAX  MEAN  STD  ZEROS  NAN  +INF  -INF",
                "  layers.0.w   F32      [4]      0    2     1    1    25%    1     0     1",
                "  layers.2.w   F32      [2]      -    -     -    -     0%    1     1     0",
                "  layers.10.w  F32      [1]      1    1     1    0     0%    0     0     0",
                "  q            F6_E2M3  [4]      -    -     -    -      -    -     -     -",
                "  not read: q: F6_E2M3 values need a bit order, which the format leaves open: pass --f6 LSB_FIRST or MSB_FIRST");
        Cli json = Cli.run("stats", "--json", "--f6", "MSB_FIRST", "--tensor", "^(q|layers\\.2\\.)", p.toString());
        assertThat(json.out().strip()).isEqualTo("{\"path\": \"" + p + "\", \"tensors\": {"
                + "\"layers.2.w\": {\"dtype\": \"F32\", \"shape\": [2], \"count\": 2, \"min\": null, \"max\": null, "
                + "\"mean\": null, \"std\": null, \"zeros\": 0, \"zero_fraction\": 0.0, \"nan\": 1, \"pos_inf\": 1, \"neg_inf\": 0}, "
                + "\"q\": {\"dtype\": \"F6_E2M3\", \"shape\": [4], \"count\": 4, \"min\": 0.0, \"max\": 0.0, \"mean\": 0.0, "
                + "\"std\": 0.0, \"zeros\": 4, \"zero_fraction\": 1.0, \"nan\": 0, \"pos_inf\": 0, \"neg_inf\": 0}}}");
    }

    @Test
    void everyPathIsShownAndTheWorstFailureDecidesTheStatus() throws Exception {
        Path p = mixed();
        Path missing = dir.resolve("missing.safetensors");
        Path bad = Files.write(dir.resolve("bad.safetensors"), new byte[] {1, 2, 3});
        Cli r = Cli.run("stats", bad.toString(), p.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).startsWith(p + ": 4 tensors");
        assertThat(r.err().lines()).singleElement().asString().startsWith("safetensors: HeaderTooSmall: " + bad);
        Cli io = Cli.run("stats", missing.toString(), bad.toString(), p.toString());
        assertThat(io.exitCode()).isEqualTo(3);
        assertThat(io.err()).hasLineCount(2);
        Cli none = Cli.run("stats", "--tensor", "nothing", p.toString());
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.err()).isEqualTo("safetensors: " + p + ": no tensor name matches `nothing`\n");
        assertThat(Cli.run("stats", "--threads", "0", p.toString()).exitCode()).isEqualTo(2);
        assertThat(Cli.run("stats").exitCode()).isEqualTo(2);
    }

    /** On a terminal: a progress line (erased) and the timing on stderr; with --quiet or piped, nothing. */
    @Test
    void progressOnlyOnATerminal() throws Exception {
        Path p = mixed();
        Terminal tty = new Terminal(true, true, true);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        System.setProperty("safetensors.progress.delay.ms", "0");   // the bar at once, not after half a second
        int code;
        try {
            code = Main.run(new String[] {"stats", p.toString()}, new PrintWriter(out, true), new PrintWriter(err, true),
                    tty);
        } finally {
            System.clearProperty("safetensors.progress.delay.ms");
        }
        assertThat(code).isZero();
        assertThat(err.toString()).contains("\rstats 100%", "28/28 B").containsPattern("\nread 28 B in [0-9.]+ s ");
        assertThat(out.toString()).doesNotContain("\r").startsWith(p + ": 4 tensors");
        StringWriter quietErr = new StringWriter();
        Main.run(new String[] {"stats", "--quiet", p.toString()}, new PrintWriter(new StringWriter(), true),
                new PrintWriter(quietErr, true), tty);
        assertThat(quietErr.toString()).isEmpty();
        assertThat(Cli.run("stats", p.toString()).err()).isEmpty();
    }
}
