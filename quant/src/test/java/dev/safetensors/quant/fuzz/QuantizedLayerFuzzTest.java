package dev.safetensors.quant.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target {@link QuantFuzzTargets#fuzz}. In the normal test run it replays every input under
 * {@code src/test/resources/dev/safetensors/quant/fuzz/QuantizedLayerFuzzTestInputs/fuzz}; with
 * {@code JAZZER_FUZZ=1} (the module's {@code fuzz-QuantizedLayer} surefire execution) it fuzzes for 20 s.
 */
public class QuantizedLayerFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void fuzz(FuzzedDataProvider data) {
        QuantFuzzTargets.fuzz(data);
    }

    /** Entry point for Jazzer's standalone driver. */
    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        QuantFuzzTargets.fuzz(data);
    }
}
