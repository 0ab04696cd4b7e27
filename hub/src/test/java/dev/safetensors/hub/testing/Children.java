package dev.safetensors.hub.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Child processes for the tests: JVMs running a main of the test classes, and Python with huggingface_hub. */
public final class Children {
    private Children() {
    }

    /**
     * A JVM running {@code main} on this test run's class path, with native access (for the cache lock), tuned to
     * start fast: these children live for seconds.
     */
    public static ProcessBuilder java(Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true);
    }

    /** Runs a process to its end (at most {@code seconds}); returns its output; fails unless it exits 0. */
    public static String run(ProcessBuilder pb, int seconds) throws IOException, InterruptedException {
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + pb.command());
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            fail("exit " + p.exitValue() + " from " + pb.command() + ":\n" + text);
        }
        return text;
    }

    /**
     * A Python that imports {@code huggingface_hub} ({@code SAFETENSORS_HF_PYTHON}, else {@code python3}), or a
     * skip: the client is not a dependency of this project and CI need not have it; these checks run where it is.
     */
    public static String pythonWithHub() {
        String found = findPythonWithHub();
        if (found == null) {
            Assumptions.abort("no python3 with huggingface_hub (set SAFETENSORS_HF_PYTHON to one) for the"
                    + " interoperability checks");
        }
        return found;
    }

    private static volatile String[] pythonFound;

    /** A Python that imports {@code huggingface_hub}, or null (looked for once per test run). */
    public static String findPythonWithHub() {
        String[] cached = pythonFound;
        if (cached == null) {
            pythonFound = cached = new String[] {lookForPython()};
        }
        return cached[0];
    }

    private static String lookForPython() {
        List<String> candidates = new ArrayList<>();
        if (System.getenv("SAFETENSORS_HF_PYTHON") != null) {
            candidates.add(System.getenv("SAFETENSORS_HF_PYTHON"));
        }
        candidates.addAll(List.of("python3", "/usr/bin/python3"));
        for (String c : candidates) {
            try {
                Process p = new ProcessBuilder(c, "-c", "import huggingface_hub").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return c;
                }
            } catch (IOException e) {
                // try the next
            }  catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return null;
    }

    /** Python running {@code code} with the Hub settings of {@code env}. */
    public static ProcessBuilder python(String python, String code, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(python, "-c", code).redirectErrorStream(true);
        pb.environment().putAll(Map.of("HF_HUB_DISABLE_TELEMETRY", "1", "HF_HUB_DISABLE_PROGRESS_BARS", "1",
                "HF_HUB_DISABLE_XET", "1", "PYTHONDONTWRITEBYTECODE", "1"));
        pb.environment().remove("HF_TOKEN");
        pb.environment().putAll(env);
        return pb;
    }
}
