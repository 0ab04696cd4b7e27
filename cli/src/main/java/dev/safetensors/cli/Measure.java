package dev.safetensors.cli;

import java.util.Arrays;

/** Timing helpers for {@code bench}: the median of several timed runs after warm-up runs. */
final class Measure {
    @FunctionalInterface
    interface Run {
        void run() throws Exception;
    }

    private Measure() {
    }

    /** Median seconds of {@code runs} timed runs, after {@code warmup} untimed ones. */
    static double medianSeconds(int warmup, int runs, Run body) throws Exception {
        return medianSeconds(warmup, runs, () -> { }, body);
    }

    /** The same, with an untimed {@code setup} before every run. */
    static double medianSeconds(int warmup, int runs, Run setup, Run body) throws Exception {
        for (int i = 0; i < warmup; i++) {
            setup.run();
            body.run();
        }
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            setup.run();
            long start = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        return median(t);
    }

    static double median(double[] values) {
        double[] t = values.clone();
        Arrays.sort(t);
        int n = t.length;
        return n % 2 == 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
    }

    /** Bytes per second in GB/s (10^9), rounded to 3 decimals. */
    static double gbps(long bytes, double seconds) {
        return Math.round(bytes / seconds / 1e6) / 1e3;
    }
}
