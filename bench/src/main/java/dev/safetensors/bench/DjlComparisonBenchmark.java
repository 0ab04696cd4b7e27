package dev.safetensors.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.util.passthrough.PassthroughNDManager;
import dev.safetensors.DType;
import dev.safetensors.OpenOptions;
import dev.safetensors.ReadStrategy;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Loading every tensor of a warm 512 MiB F32 file into heap float arrays: Deep Java Library's
 * {@code NDList.decode} (through its engine-free PassthroughNDManager) against this library, in one run.
 * A plain copy of the same bytes from memory into fresh float arrays is the baseline.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class DjlComparisonBenchmark {
    static final int TENSORS = 8;
    static final int ELEMENTS = 16 << 20;   // 64 MiB each

    private Path path;
    private SafeTensorsFile mapped;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        path = Files.createTempFile("djl-bench-", ".safetensors");
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (int t = 0; t < TENSORS; t++) {
            float[] v = new float[ELEMENTS];
            for (int i = 0; i < ELEMENTS; i++) {
                v[i] = t + i * 1e-6f;
            }
            w.add("layer." + t + ".weight", DType.F32, Shape.of(ELEMENTS / 4096, 4096), dev.safetensors.TensorData.of(v));
        }
        w.write(path);
        Files.readAllBytes(path); // warm the page cache
        mapped = SafeTensorsFile.open(path);
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
        mapped.close();
        Files.deleteIfExists(path);
    }

    @Benchmark
    public void djlNdListDecode(Blackhole bh) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 20)) {
            NDList list = NDList.decode(PassthroughNDManager.INSTANCE, in);
            for (NDArray a : list) {
                bh.consume(a.toFloatArray());
            }
        }
    }

    /** Open, map, and copy each tensor into a new float[]: what a loader does. */
    @Benchmark
    public void safetensorsMmap(Blackhole bh) {
        try (SafeTensorsFile f = SafeTensorsFile.open(path)) {
            for (Tensor t : f.tensors()) {
                bh.consume(t.toFloatArray());
            }
        }
    }

    @Benchmark
    public void safetensorsPread(Blackhole bh) {
        try (SafeTensorsFile f = SafeTensorsFile.open(path, OpenOptions.defaults().withStrategy(ReadStrategy.PREAD))) {
            for (Tensor t : f.tensors()) {
                bh.consume(t.toFloatArray());
            }
        }
    }

    /** Baseline: the same bytes copied from an open mapping into fresh float arrays. */
    @Benchmark
    public void memcpyIntoNewArrays(Blackhole bh) {
        for (Tensor t : mapped.tensors()) {
            float[] out = new float[ELEMENTS];
            java.lang.foreign.MemorySegment.copy(t.data(), java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0, out, 0,
                    ELEMENTS);
            bh.consume(out);
        }
    }
}
