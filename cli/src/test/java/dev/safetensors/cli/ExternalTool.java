package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The programs some tests use as oracles, renderers or shells (python3 with NumPy, headless Chromium, zsh): the first
 * candidate that works, else the test is skipped on a developer's machine and fails under CI, which installs
 * them (.ci/run). Core's NumpyPython follows the same rule; cli tests cannot see core's test classes.
 */
final class ExternalTool {
    private ExternalTool() {
    }

    /** $SAFETENSORS_PYTHON, python3, /usr/bin/python3: the first that imports NumPy. */
    static String numpyPython() {
        return first("python3 with NumPy (install python3-numpy, or set SAFETENSORS_PYTHON)", "SAFETENSORS_PYTHON",
                List.of("python3", "/usr/bin/python3"), "-c", "import numpy");
    }

    /** $SAFETENSORS_CHROMIUM, chromium, chromium-browser, google-chrome: the first that starts. */
    static String chromium() {
        return first("headless Chromium (install Debian's chromium, or set SAFETENSORS_CHROMIUM)", "SAFETENSORS_CHROMIUM",
                List.of("chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome"), "--version");
    }

    /** $SAFETENSORS_ZSH, zsh, /usr/bin/zsh: the first that starts. */
    static String zsh() {
        return first("zsh (install Debian's zsh, or set SAFETENSORS_ZSH)", "SAFETENSORS_ZSH",
                List.of("zsh", "/usr/bin/zsh"), "--version");
    }

    private static String first(String what, String variable, List<String> defaults, String... probe) {
        List<String> candidates = new ArrayList<>();
        if (System.getenv(variable) != null) {
            candidates.add(System.getenv(variable));
        }
        candidates.addAll(defaults);
        for (String c : candidates) {
            List<String> command = new ArrayList<>(List.of(c));
            command.addAll(List.of(probe));
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return c;
                }
            } catch (IOException | InterruptedException ignored) {
                // try the next one
            }
        }
        String why = "no " + what + " found";
        if (System.getenv("CI") != null) {
            fail(why);
        }
        Assumptions.abort(why);
        return null;
    }
}
