package dev.safetensors.bench;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Opening one file through two (or more) builds of the core, alternately, in one JVM: the ratio holds on a
 * shared, noisy machine where two separate JMH runs minutes apart do not. Each build is loaded by its own
 * class loader from its {@code core/target/classes}; after a warm-up, every round opens and closes the file
 * once per build, and the fastest, the first quartile and the median are printed.
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar dev.safetensors.bench.OpenAcrossBuilds FILE ROUNDS OLD/core/target/classes core/target/classes
 * }</pre>
 * ({@link OpenBenchmark#writeSparse} writes the files: {@code OpenAcrossBuilds --write FILE TENSORS DATA_BYTES}.)
 */
public final class OpenAcrossBuilds {
    private OpenAcrossBuilds() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--write")) {
            OpenBenchmark.writeSparse(Path.of(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]));
            return;
        }
        Path file = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        int builds = args.length - 2;
        Method[] open = new Method[builds];
        Method[] close = new Method[builds];
        for (int k = 0; k < builds; k++) {
            ClassLoader loader = new URLClassLoader(new URL[] {Path.of(args[2 + k]).toUri().toURL()}, null);
            Class<?> c = loader.loadClass("dev.safetensors.SafeTensorsFile");
            open[k] = c.getMethod("open", Path.class);
            close[k] = c.getMethod("close");
        }
        long[][] nanos = new long[builds][rounds];
        for (int r = -Math.max(30, rounds / 5); r < rounds; r++) {   // negative rounds warm up
            for (int k = 0; k < builds; k++) {
                long start = System.nanoTime();
                close[k].invoke(open[k].invoke(null, file));
                if (r >= 0) {
                    nanos[k][r] = System.nanoTime() - start;
                }
            }
        }
        for (int k = 0; k < builds; k++) {
            long[] t = nanos[k].clone();
            Arrays.sort(t);
            System.out.printf("%s: fastest %.3f ms, first quartile %.3f ms, median %.3f ms%n",
                    args[2 + k], t[0] / 1e6, t[rounds / 4] / 1e6, t[rounds / 2] / 1e6);
        }
    }
}
