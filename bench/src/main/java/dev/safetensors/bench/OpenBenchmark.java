package dev.safetensors.bench;

import dev.safetensors.OpenOptions;
import dev.safetensors.ReadStrategy;
import dev.safetensors.SafeTensorsFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
 * Opening cost: open + parse + validate the header + close, for files whose headers are identical and
 * whose data sizes differ by 10^4 (1 MiB vs 10 GiB, sparse), and for headers of 10^4 and 10^5 tensors.
 * The tiny file is the baseline measured in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OpenBenchmark {
    /** "tensors:dataBytes" — the same 1,000-tensor header over 1 MiB and over 10 GiB, then large headers. */
    @Param({"1000:1048576", "1000:10737418240", "10000:1048576", "100000:1048576"})
    public String file;

    @Param({"MMAP", "PREAD"})
    public ReadStrategy strategy;

    private Path path;
    private OpenOptions options;

    @Setup(Level.Trial)
    public void create() throws IOException {
        String[] p = file.split(":");
        path = Files.createTempFile("open-bench-", ".safetensors");
        writeSparse(path, Integer.parseInt(p[0]), Long.parseLong(p[1]));
        options = OpenOptions.defaults().withStrategy(strategy);
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
        Files.deleteIfExists(path);
    }

    @Benchmark
    public int open() {
        try (SafeTensorsFile f = SafeTensorsFile.open(path, options)) {
            return f.size();
        }
    }

    /**
     * A header of {@code tensors} U8 tensors named like a transformer's weights, together covering
     * {@code dataBytes}: each takes at most 1 KiB and the last one the remainder, so two files that differ
     * only in data size have headers that differ in a few digits. The data is a hole in a sparse file.
     */
    static void writeSparse(Path path, int tensors, long dataBytes) throws IOException {
        long each = Math.min(1024, dataBytes / tensors);
        StringBuilder sb = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (int i = 0; i < tensors; i++) {
            long size = i == tensors - 1 ? dataBytes - offset : each;
            sb.append(",\"model.layers.").append(i / 10).append(".mlp.proj_").append(i % 10)
                    .append(".weight\":{\"dtype\":\"U8\",\"shape\":[").append(size).append("],\"data_offsets\":[")
                    .append(offset).append(',').append(offset + size).append("]}");
            offset += size;
        }
        sb.append('}');
        while (sb.length() % 8 != 0) {
            sb.append(' ');
        }
        byte[] header = sb.toString().getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            raf.write(header);
            raf.setLength(8 + header.length + dataBytes);
        }
    }
}
