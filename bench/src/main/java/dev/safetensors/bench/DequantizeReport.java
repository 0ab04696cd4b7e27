package dev.safetensors.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link DequantizeBenchmark} and prints, for each scheme, output dtype and thread count, the output
 * GB/s and the ratio to the memcpy of the same bytes with the same threads, both measured in this run.
 * Extra arguments are JMH's (e.g. {@code -wi 2 -i 3 -p scheme=gptq4}).
 *
 * <pre>{@code java -cp bench/target/benchmarks.jar dev.safetensors.bench.DequantizeReport}</pre>
 */
public final class DequantizeReport {
    private DequantizeReport() {
    }

    public static void main(String[] args) throws RunnerException, org.openjdk.jmh.runner.options.CommandLineOptionException {
        Options options = new OptionsBuilder().parent(new CommandLineOptions(args))
                .include(DequantizeBenchmark.class.getSimpleName()).build();
        Collection<RunResult> results = new Runner(options).run();
        Map<String, double[]> ms = new LinkedHashMap<>();
        for (RunResult r : results) {
            var p = r.getParams();
            String key = p.getParam("scheme") + " " + p.getParam("dtype") + " " + p.getParam("threads");
            double[] pair = ms.computeIfAbsent(key, k -> new double[4]);
            boolean copy = p.getBenchmark().endsWith("memcpy");
            pair[copy ? 2 : 0] = r.getPrimaryResult().getScore();
            pair[copy ? 3 : 1] = r.getPrimaryResult().getScoreError();
        }
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "%-9s %-5s %-7s %12s %10s %12s %10s %8s%n", "scheme", "dtype", "threads",
                "ms", "GB/s", "memcpy ms", "GB/s", "ratio");
        for (Map.Entry<String, double[]> e : ms.entrySet()) {
            String[] k = e.getKey().split(" ");
            double bytes = (double) DequantizeBenchmark.OUT * DequantizeBenchmark.IN * (k[1].equals("F32") ? 4 : 2);
            double[] v = e.getValue();
            double gbps = bytes / (v[0] * 1e6);
            double copy = bytes / (v[2] * 1e6);
            System.out.printf(Locale.ROOT, "%-9s %-5s %-7s %6.2f ± %-4.2f %10.2f %6.2f ± %-4.2f %10.2f %8.2f%n", k[0], k[1],
                    k[2].equals("0") ? "all " + cores : k[2], v[0], v[1], gbps, v[2], v[3], copy, gbps / copy);
        }
    }
}
