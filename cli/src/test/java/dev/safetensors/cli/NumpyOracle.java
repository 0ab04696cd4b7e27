package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.internal.json.JsonReader;
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

/** Runs {@code numpy/values_oracle.py} (NumPy's own statistics, histograms and comparisons) on files. */
final class NumpyOracle {
    private NumpyOracle() {
    }

    /** The oracle's JSON answer for {@code args} (mode, files, numbers); skips or fails as NumpyPython does without NumPy. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> run(Path scratch, String... args) throws IOException, InterruptedException {
        String python = ExternalTool.numpyPython();
        Path script = scratch.resolve("values_oracle.py");
        try (InputStream in = NumpyOracle.class.getResourceAsStream("/numpy/values_oracle.py")) {
            Files.write(script, in.readAllBytes());
        }
        List<String> command = new ArrayList<>(List.of(python, script.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("the NumPy oracle finished").isTrue();
        assertThat(p.exitValue()).as(err.join()).isZero();
        return (Map<String, Object>) JsonReader.parse(out, "values_oracle.py");
    }

    /** A number from either side's JSON: a JSON number, or "nan", "inf", "-inf". */
    static double number(Object v) {
        return switch (v) {
            case Number n -> n.doubleValue();
            case String s when s.equals("nan") -> Double.NaN;
            case String s when s.equals("inf") -> Double.POSITIVE_INFINITY;
            case String s when s.equals("-inf") -> Double.NEGATIVE_INFINITY;
            default -> throw new AssertionError("not a number: " + v);
        };
    }
}
