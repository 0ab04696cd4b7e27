package dev.safetensors.bench;

import dev.safetensors.DType;
import dev.safetensors.quant.QuantizedLinear;
import dev.safetensors.quant.QuantizedModel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Dequantization of one 4096 × 4096 layer (64 MiB as F32, 32 MiB as BF16: far out of cache) into an off-heap
 * segment, per scheme, to BF16 and F32, on one thread and on every core (rows split evenly, each thread
 * dequantizing its own row range, as a tensor-parallel loader would). Baseline in the same run: {@link #memcpy},
 * a copy of the same output bytes between two off-heap segments with the same threads.
 * {@link DequantizeReport} runs them all and prints output GB/s and the ratio to memcpy.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules", "jdk.incubator.vector"})
public class DequantizeBenchmark {
    static final int OUT = 4096;
    static final int IN = 4096;

    @Param({"gptq4", "awq", "mxfp4", "nvfp4", "fp8block"})
    public String scheme;

    @Param({"BF16", "F32"})
    public String dtype;

    /** 1, or 0 for every available core. */
    @Param({"1", "0"})
    public int threads;

    private Path dir;
    private QuantizedModel model;
    private QuantizedLinear layer;
    private DType type;
    private Arena arena;
    private MemorySegment out;
    private MemorySegment source;
    private ExecutorService pool;
    private int workers;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        dir = Files.createTempDirectory("dequantize-bench");
        model = QuantizedModel.open(QuantizedLayers.write(scheme, OUT, IN, dir));
        layer = model.layers().get(0);
        type = DType.valueOf(dtype);
        arena = Arena.ofShared();
        long bytes = (long) OUT * IN * type.bits() / 8;
        out = arena.allocate(bytes, 64);
        source = arena.allocate(bytes, 64);
        source.fill((byte) 1);
        workers = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        pool = Executors.newFixedThreadPool(workers);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        pool.shutdownNow();
        model.close();
        arena.close();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Rows {@code [from, to)} of the job. */
    private interface Rows {
        void run(long from, long to);
    }

    private void split(Rows job) {
        if (workers == 1) {
            job.run(0, OUT);
            return;
        }
        List<Future<?>> parts = new ArrayList<>();
        long per = Math.ceilDiv(OUT, workers);
        for (long from = 0; from < OUT; from += per) {
            long f = from;
            long t = Math.min(OUT, from + per);
            parts.add(pool.submit(() -> job.run(f, t)));
        }
        try {
            for (Future<?> p : parts) {
                p.get();
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Benchmark
    public MemorySegment dequantize() {
        long rowBytes = (long) IN * type.bits() / 8;
        split((from, to) -> layer.dequantize(from, to, type, out.asSlice(from * rowBytes, (to - from) * rowBytes)));
        return out;
    }

    @Benchmark
    public MemorySegment memcpy() {
        long rowBytes = (long) IN * type.bits() / 8;
        split((from, to) -> MemorySegment.copy(source, from * rowBytes, out, from * rowBytes, (to - from) * rowBytes));
        return out;
    }
}
