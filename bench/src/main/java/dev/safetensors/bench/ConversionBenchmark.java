package dev.safetensors.bench;

import dev.safetensors.DType;
import dev.safetensors.convert.FloatDecoder;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import dev.safetensors.convert.SubBytePacking;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
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

/**
 * Bulk dtype conversion of 2^24 elements, each against a copy of the same output bytes (4 × 2^24) measured in the
 * same run: decoding into a heap {@code float[]} ({@code FloatDecoder}, what {@code toFloatArray} runs) against
 * {@link #memcpyF32}, an off-heap segment copied into a float[]; decoding into an off-heap segment through the
 * public {@code Tensor.copyTo(dst, DType.F32)} of a file opened in memory against {@link #memcpySegment}, an
 * off-heap to off-heap copy. {@link #userLoopBf16} is the plain {@code bits << 16} loop a user would write.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class ConversionBenchmark {
    static final int N = 1 << 24;

    private Arena arena;
    private MemorySegment f32;
    private MemorySegment halves;
    private MemorySegment bytes;
    private MemorySegment out16;
    private MemorySegment out8;
    private float[] floats;
    private MemorySegment out32;
    private Arena fileArena;
    private dev.safetensors.SafeTensorsFile file;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        Random r = new Random(1);
        floats = new float[N];
        f32 = arena.allocate(4L * N, 64);
        halves = arena.allocate(2L * N, 64);
        bytes = arena.allocate(N, 64);
        out16 = arena.allocate(2L * N, 64);
        out8 = arena.allocate(N, 64);
        for (int i = 0; i < N; i++) {
            float v = (float) r.nextGaussian();
            f32.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
            halves.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(v));
            bytes.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
        }
        out32 = arena.allocate(4L * N, 64);
        byte[] image = dev.safetensors.SafeTensorsWriter.create()
                .add("bf16", DType.BF16, dev.safetensors.Shape.of(N), dev.safetensors.TensorData.of(halves))
                .add("f16", DType.F16, dev.safetensors.Shape.of(N), dev.safetensors.TensorData.of(halves))
                .add("f8", DType.F8_E4M3, dev.safetensors.Shape.of(N), dev.safetensors.TensorData.of(bytes))
                .add("f8e5m2", DType.F8_E5M2, dev.safetensors.Shape.of(N), dev.safetensors.TensorData.of(bytes))
                .toByteArray();
        fileArena = Arena.ofShared();
        MemorySegment offHeap = fileArena.allocate(image.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(image), 0, offHeap, 0, image.length);
        file = dev.safetensors.SafeTensorsFile.open(offHeap);
    }

    @TearDown(Level.Trial)
    public void close() {
        file.close();
        fileArena.close();
        arena.close();
    }

    @Benchmark
    public MemorySegment memcpySegment() {
        MemorySegment.copy(f32, 0, out32, 0, 4L * N);
        return out32;
    }

    @Benchmark
    public MemorySegment copyToF32FromBf16() {
        file.tensor("bf16").copyTo(out32, DType.F32);
        return out32;
    }

    @Benchmark
    public MemorySegment copyToF32FromF16() {
        file.tensor("f16").copyTo(out32, DType.F32);
        return out32;
    }

    @Benchmark
    public MemorySegment copyToF32FromF8e4m3() {
        file.tensor("f8").copyTo(out32, DType.F32);
        return out32;
    }

    @Benchmark
    public MemorySegment copyToF32FromF8e5m2() {
        file.tensor("f8e5m2").copyTo(out32, DType.F32);
        return out32;
    }

    @Benchmark
    public float[] userLoopBf16() {
        for (int i = 0; i < N; i++) {
            floats[i] = Float.intBitsToFloat(halves.getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i) << 16);
        }
        return floats;
    }

    @Benchmark
    public float[] f8e5m2ToF32() {
        FloatDecoder.decode(DType.F8_E5M2, bytes, floats, 0, SubBytePacking.DEFAULT);
        return floats;
    }

    @Benchmark
    public float[] memcpyF32() {
        FloatDecoder.decode(DType.F32, f32, floats, 0, SubBytePacking.DEFAULT);
        return floats;
    }

    @Benchmark
    public float[] bf16ToF32() {
        FloatDecoder.decode(DType.BF16, halves, floats, 0, SubBytePacking.DEFAULT);
        return floats;
    }

    @Benchmark
    public float[] f16ToF32() {
        FloatDecoder.decode(DType.F16, halves, floats, 0, SubBytePacking.DEFAULT);
        return floats;
    }

    @Benchmark
    public float[] f8e4m3ToF32() {
        FloatDecoder.decode(DType.F8_E4M3, bytes, floats, 0, SubBytePacking.DEFAULT);
        return floats;
    }

    @Benchmark
    public MemorySegment f32ToBf16() {
        FloatEncoder.encode(floats, 0, N, DType.BF16, Overflow.NON_SATURATING, out16);
        return out16;
    }

    @Benchmark
    public MemorySegment f32ToF16() {
        FloatEncoder.encode(floats, 0, N, DType.F16, Overflow.NON_SATURATING, out16);
        return out16;
    }

    @Benchmark
    public MemorySegment f32ToF8e4m3() {
        FloatEncoder.encode(floats, 0, N, DType.F8_E4M3, Overflow.SATURATE, out8);
        return out8;
    }
}
