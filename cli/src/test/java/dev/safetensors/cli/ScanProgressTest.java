package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The progress line of stats, diff and report: drawn while the work goes, not only at its end. */
class ScanProgressTest {
    @Test
    void theFirstUpdateDrawsTheLine() {
        // lastDraw started at Long.MIN_VALUE, and now - Long.MIN_VALUE overflows to a negative number, "less than
        // 0.1 s ago": no line was drawn until the work was done (and then erased at once).
        StringWriter err = new StringWriter();
        try (ScanProgress p = ScanProgress.on(new Terminal(false, true, true), false, new PrintWriter(err, true), "stats")) {
            p.hook().update(1 << 20, 4 << 20, "model.layers.0.mlp.up_proj.weight");
            assertThat(err.toString()).startsWith("\r\u001b[Kstats  25% 1.00 MiB of 4.00 MiB, ")
                    .endsWith("model.layers.0.mlp.up_proj.weight");
            // The last one is always drawn.
            int drawn = err.toString().length();
            p.hook().update(4 << 20, 4 << 20, "c");
            assertThat(err.toString().substring(drawn)).startsWith("\r\u001b[Kstats 100% 4.00 MiB of 4.00 MiB");
        }
        assertThat(err.toString()).endsWith("\r\u001b[K");
    }
}
