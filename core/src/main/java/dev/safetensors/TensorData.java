package dev.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The bytes of one tensor for {@link SafeTensorsWriter}, produced only when the writer streams them to
 * disk, so a model larger than the heap can be written from memory-mapped or generated data. Arrays and
 * segments are not copied: they are read when the file is written, so leave them unchanged until then.
 *
 * <pre>{@code
 * TensorData.of(new float[] {1, 2, 3});            // little-endian on every platform
 * TensorData.of(otherFile.tensor("w").data());     // zero-copy from a mapped file
 * TensorData generated = sink -> {                 // any producer, in pieces
 *     for (byte[] block : blocks) sink.write(block);
 * };
 * }</pre>
 */
@FunctionalInterface
public interface TensorData {
    /** Writes exactly the tensor's bytes to {@code sink}, in order. */
    void writeTo(ByteSink sink) throws IOException;

    /** Raw bytes from a segment (read when written). */
    static TensorData of(MemorySegment bytes) {
        Objects.requireNonNull(bytes, "bytes must be non-null");
        return sink -> sink.write(bytes);
    }

    static TensorData of(byte[] values) {
        return of(MemorySegment.ofArray(values));
    }

    static TensorData of(short[] values) {
        return littleEndian(MemorySegment.ofArray(values), ValueLayout.JAVA_SHORT);
    }

    static TensorData of(int[] values) {
        return littleEndian(MemorySegment.ofArray(values), ValueLayout.JAVA_INT);
    }

    static TensorData of(long[] values) {
        return littleEndian(MemorySegment.ofArray(values), ValueLayout.JAVA_LONG);
    }

    static TensorData of(float[] values) {
        return littleEndian(MemorySegment.ofArray(values), ValueLayout.JAVA_FLOAT);
    }

    static TensorData of(double[] values) {
        return littleEndian(MemorySegment.ofArray(values), ValueLayout.JAVA_DOUBLE);
    }

    /** Heap arrays are in native order; swap to little-endian in blocks where the platform is not. */
    private static TensorData littleEndian(MemorySegment values, ValueLayout element) {
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            return of(values);
        }
        return sink -> {
            long block = 1 << 16;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment le = arena.allocate(block);
                long width = element.byteSize();
                for (long off = 0; off < values.byteSize(); off += block) {
                    long n = Math.min(block, values.byteSize() - off);
                    MemorySegment dst = le.asSlice(0, n);
                    for (long i = 0; i < n; i += width) {
                        for (long k = 0; k < width; k++) {
                            dst.set(ValueLayout.JAVA_BYTE, i + k,
                                    values.get(ValueLayout.JAVA_BYTE, off + i + width - 1 - k));
                        }
                    }
                    sink.write(dst);
                }
            }
        };
    }
}
