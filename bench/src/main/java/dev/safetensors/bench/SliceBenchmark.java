package dev.safetensors.bench;

import dev.safetensors.DType;
import dev.safetensors.OpenOptions;
import dev.safetensors.ReadStrategy;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.TensorSlice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading a [8192, 8192] F32 tensor (256 MiB, page cache warm) whole, as the 1/8 row block a dim-0 rank of 8
 * reads (one run), and as the 1/8 column block a dim-1 rank reads (8192 runs of 4 KiB), into off-heap memory;
 * a 1 MiB U8 tensor reversed (2^20 runs of one byte); and a 64-byte tensor, whose copy costs mostly the
 * check of the file on disk that every copy-out makes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class SliceBenchmark {
    static final int D = 8192;

    @Param({"MMAP", "PREAD"})
    public ReadStrategy strategy;

    private Path path;
    private Arena arena;
    private SafeTensorsFile file;
    private Tensor tensor;
    private TensorSlice rows;
    private TensorSlice cols;
    private TensorSlice reversed;
    private Tensor tiny;
    private MemorySegment dst;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        path = Files.createTempFile("slice-bench-", ".safetensors");
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(D, D), sink -> {
            byte[] block = new byte[1 << 20];
            for (long off = 0; off < 4L * D * D; off += block.length) {
                sink.write(block);
            }
        }).add("u", DType.U8, Shape.of(1 << 20), TensorData.of(new byte[1 << 20]))
                .add("tiny", DType.F32, Shape.of(16), TensorData.of(new float[16])).write(path);
        file = SafeTensorsFile.open(path, OpenOptions.defaults().withStrategy(strategy));
        tensor = file.tensor("w");
        rows = tensor.slice("0:" + D / 8);
        cols = tensor.slice(":, 0:" + D / 8);
        reversed = file.tensor("u").slice("::-1");
        tiny = file.tensor("tiny");
        arena = Arena.ofShared();
        dst = arena.allocate(tensor.byteSize(), 4096);
        tensor.copyTo(dst); // warm the page cache
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        file.close();
        arena.close();
        Files.deleteIfExists(path);
    }

    @Benchmark
    public MemorySegment full() {
        tensor.copyTo(dst);
        return dst;
    }

    @Benchmark
    public MemorySegment dim0EighthRows() {
        rows.copyTo(dst);
        return dst;
    }

    @Benchmark
    public MemorySegment dim1EighthColumns() {
        cols.copyTo(dst);
        return dst;
    }

    @Benchmark
    public MemorySegment reversedBytes() {
        reversed.copyTo(dst);
        return dst;
    }

    @Benchmark
    public MemorySegment tinyTensor() {
        tiny.copyTo(dst);
        return dst;
    }
}
