package dev.safetensors.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Two builds of the benchmarks jar (say main's and a branch's) dequantizing the same layers in one process,
 * each in its own class loader, run for run in turn: the best CPU time of each over 18 runs after 6 warm-up
 * runs, and their ratio. On a shared machine the load moves both sides alike, which separate runs of
 * {@link DequantizeCpuTime} cannot promise. Arguments: the two jars, then schemes (default all five).
 *
 * <pre>{@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *     dev.safetensors.bench.DequantizeAlternating before.jar after.jar}</pre>
 */
public final class DequantizeAlternating {
    private static final int RUNS = 24;
    private static final int WARM_UP = 6;

    private DequantizeAlternating() {
    }

    public static void main(String[] args) throws Exception {
        String[] schemes = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length)
                : new String[] {"gptq4", "awq", "mxfp4", "nvfp4", "fp8block"};
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        ClassLoader[] builds = new ClassLoader[2];
        for (int j = 0; j < 2; j++) {
            builds[j] = new URLClassLoader(new URL[] {Path.of(args[j]).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
        }
        int out = DequantizeBenchmark.OUT;
        int in = DequantizeBenchmark.IN;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment dst = arena.allocate(4L * out * in, 64);
            for (String scheme : schemes) {
                Path dir = Files.createTempDirectory("dequantize-alternating");
                Method write = builds[0].loadClass(QuantizedLayers.class.getName())
                        .getDeclaredMethod("write", String.class, int.class, int.class, Path.class);
                write.setAccessible(true);
                Path file = (Path) write.invoke(null, scheme, out, in, dir);
                Object[] layers = new Object[2];
                Method[] dequantize = new Method[2];
                Object[][] dtypes = new Object[2][];
                for (int j = 0; j < 2; j++) {
                    Class<?> model = builds[j].loadClass("dev.safetensors.quant.QuantizedModel");
                    List<?> all = (List<?>) model.getMethod("layers").invoke(model.getMethod("open", Path.class)
                            .invoke(null, file));
                    layers[j] = all.get(0);
                    Class<?> dtype = builds[j].loadClass("dev.safetensors.DType");
                    dequantize[j] = builds[j].loadClass("dev.safetensors.quant.QuantizedLinear")
                            .getMethod("dequantize", long.class, long.class, dtype, MemorySegment.class);
                    dtypes[j] = new Object[] {dtype.getField("BF16").get(null), dtype.getField("F32").get(null)};
                }
                for (int t = 0; t < 2; t++) {
                    double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
                    for (int run = 0; run < RUNS; run++) {
                        for (int j = 0; j < 2; j++) {
                            long t0 = cpu.getCurrentThreadCpuTime();
                            dequantize[j].invoke(layers[j], 0L, (long) out, dtypes[j][t], dst);
                            long t1 = cpu.getCurrentThreadCpuTime();
                            if (run >= WARM_UP) {
                                best[j] = Math.min(best[j], (t1 - t0) / 1e6);
                            }
                        }
                    }
                    System.out.printf(Locale.ROOT, "%-9s %-5s first %6.1f ms   second %6.1f ms   second/first %.2f%n",
                            scheme, t == 0 ? "BF16" : "F32", best[0], best[1], best[1] / best[0]);
                }
                try (var s = Files.walk(dir)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }
}
