package dev.safetensors.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target {@link FuzzTargets#parallelPlan}. In the normal test run it replays every input under
 * {@code src/test/resources/dev/safetensors/fuzz/ParallelPlanFuzzTestInputs/fuzz} (the seed corpus and every
 * finding kept as a regression input); with {@code JAZZER_FUZZ=1} it fuzzes, briefly in CI, for hours with
 * {@code scripts/fuzz}.
 */
public class ParallelPlanFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void fuzz(byte[] data) {
        FuzzTargets.parallelPlan(data);
    }

    /** Entry point for Jazzer's standalone driver. */
    public static void fuzzerTestOneInput(byte[] data) {
        FuzzTargets.parallelPlan(data);
    }
}
