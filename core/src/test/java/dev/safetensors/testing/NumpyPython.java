package dev.safetensors.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds a python3 that imports NumPy, for the tests that use NumPy as their oracle: skipped without one on a
 * developer's machine, failed under CI (which installs python3-numpy, see .ci/run).
 */
public final class NumpyPython {
    private NumpyPython() {
    }

    /** $SAFETENSORS_PYTHON, python3 on PATH, or /usr/bin/python3: the first that imports NumPy. */
    public static String find() {
        List<String> candidates = new ArrayList<>();
        if (System.getenv("SAFETENSORS_PYTHON") != null) {
            candidates.add(System.getenv("SAFETENSORS_PYTHON"));
        }
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
        for (String c : candidates) {
            try {
                Process p = new ProcessBuilder(c, "-c", "import numpy").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return c;
                }
            } catch (IOException | InterruptedException ignored) {
                // try the next one
            }
        }
        String why = "no python3 with NumPy found (install python3-numpy, or set SAFETENSORS_PYTHON)";
        if (System.getenv("CI") != null) {
            fail(why);
        }
        Assumptions.abort(why);
        return null;
    }
}
