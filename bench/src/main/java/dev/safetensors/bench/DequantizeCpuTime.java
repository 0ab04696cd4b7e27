package dev.safetensors.bench;

import dev.safetensors.DType;
import dev.safetensors.quant.QuantizedLinear;
import dev.safetensors.quant.QuantizedModel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@link DequantizeBenchmark}'s single-threaded figures in CPU time rather than wall time: the best of 12
 * runs after 4 warm-up runs, for the dequantization and for a memcpy of the same output bytes, both on this
 * thread. On a machine shared with other work wall time measures the other work; CPU time mostly measures
 * the code, so the ratio is the figure to read there. Arguments: schemes (default all five).
 *
 * <pre>{@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.safetensors.bench.DequantizeCpuTime}</pre>
 */
public final class DequantizeCpuTime {
    private DequantizeCpuTime() {
    }

    public static void main(String[] args) throws Exception {
        String[] schemes = args.length > 0 ? args : new String[] {"gptq4", "awq", "mxfp4", "nvfp4", "fp8block"};
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        int out = DequantizeBenchmark.OUT;
        int in = DequantizeBenchmark.IN;
        System.out.printf(Locale.ROOT, "%-9s %-5s %9s %8s %10s %8s %6s%n", "scheme", "dtype", "cpu ms", "GB/s",
                "memcpy ms", "GB/s", "ratio");
        try (Arena arena = Arena.ofShared()) {
            MemorySegment dst = arena.allocate(4L * out * in, 64);
            MemorySegment src = arena.allocate(4L * out * in, 64);
            src.fill((byte) 1);
            for (String scheme : schemes) {
                Path dir = Files.createTempDirectory("dequantize-cpu");
                try (QuantizedModel model = QuantizedModel.open(QuantizedLayers.write(scheme, out, in, dir))) {
                    QuantizedLinear layer = model.layers().get(0);
                    for (DType t : new DType[] {DType.BF16, DType.F32}) {
                        long bytes = (long) out * in * t.bits() / 8;
                        double best = Double.MAX_VALUE;
                        double bestCopy = Double.MAX_VALUE;
                        for (int run = 0; run < 16; run++) {
                            long t0 = cpu.getCurrentThreadCpuTime();
                            layer.dequantize(0, out, t, dst);
                            long t1 = cpu.getCurrentThreadCpuTime();
                            MemorySegment.copy(src, 0, dst, 0, bytes);
                            long t2 = cpu.getCurrentThreadCpuTime();
                            if (run >= 4) {
                                best = Math.min(best, (t1 - t0) / 1e6);
                                bestCopy = Math.min(bestCopy, (t2 - t1) / 1e6);
                            }
                        }
                        System.out.printf(Locale.ROOT, "%-9s %-5s %9.1f %8.2f %10.1f %8.2f %6.2f%n", scheme, t, best,
                                bytes / best / 1e6, bestCopy, bytes / bestCopy / 1e6, bestCopy / best);
                    }
                }
                try (var s = Files.walk(dir)) {
                    for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }
}
