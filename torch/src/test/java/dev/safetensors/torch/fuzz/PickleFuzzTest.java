package dev.safetensors.torch.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target {@link PickleFuzzTargets#checkpoint}. In the normal test run it replays every input under
 * {@code src/test/resources/dev/safetensors/torch/fuzz/PickleFuzzTestInputs/fuzz} (seeds from the fixtures and
 * every finding kept as a regression input); with {@code JAZZER_FUZZ=1} it fuzzes, 20 s in CI, for hours with
 * {@code scripts/fuzz Pickle}.
 */
public class PickleFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void fuzz(byte[] data) {
        PickleFuzzTargets.checkpoint(data);
    }

    /** Entry point for Jazzer's standalone driver. */
    public static void fuzzerTestOneInput(byte[] data) {
        PickleFuzzTargets.checkpoint(data);
    }
}
