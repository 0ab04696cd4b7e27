package dev.safetensors;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Where a {@link TensorData} writes its bytes during {@link SafeTensorsWriter#write}. The writer counts
 * them: writing more than the tensor's declared size fails at once, fewer fails when the tensor ends.
 */
public interface ByteSink {
    /** Appends all bytes of {@code bytes} (raw, already little-endian). */
    void write(MemorySegment bytes) throws IOException;

    /** Appends {@code bytes[offset, offset + length)}. */
    default void write(byte[] bytes, int offset, int length) throws IOException {
        write(MemorySegment.ofArray(bytes).asSlice(offset, length));
    }

    /** Appends all of {@code bytes}. */
    default void write(byte[] bytes) throws IOException {
        write(MemorySegment.ofArray(bytes));
    }
}
