package dev.safetensors;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Where a {@link TensorData} writes its bytes during {@link SafeTensorsWriter#write}. The writer counts
 * them: writing more than the tensor's declared size fails at once, fewer fails when the tensor ends.
 */
public interface ByteSink {
    /**
     * Appends all bytes of {@code bytes} (raw, already little-endian).
     *
     * @param bytes the bytes to append; read, never kept
     * @throws IOException when the destination fails
     */
    void write(MemorySegment bytes) throws IOException;

    /**
     * Appends {@code bytes[offset, offset + length)}.
     *
     * @param bytes  the array holding the bytes
     * @param offset where they start in {@code bytes}
     * @param length how many to append
     * @throws IOException when the destination fails
     */
    default void write(byte[] bytes, int offset, int length) throws IOException {
        write(MemorySegment.ofArray(bytes).asSlice(offset, length));
    }

    /**
     * Appends all of {@code bytes}.
     *
     * @param bytes the bytes to append
     * @throws IOException when the destination fails
     */
    default void write(byte[] bytes) throws IOException {
        write(MemorySegment.ofArray(bytes));
    }
}
