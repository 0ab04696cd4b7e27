package dev.safetensors.testing;

import dev.safetensors.io.ByteSource;
import dev.safetensors.internal.io.IoErrors;
import java.lang.foreign.MemorySegment;

/** A whole "file" held in a byte array: fuzz targets open thousands of inputs per second without disk. */
public final class MemorySource implements ByteSource {
    private final MemorySegment bytes;
    private final String description;

    public MemorySource(byte[] bytes, String description) {
        this.bytes = MemorySegment.ofArray(bytes);
        this.description = description;
    }

    @Override
    public long size() {
        return bytes.byteSize();
    }

    @Override
    public void read(long position, MemorySegment dst) {
        if (position < 0 || position > bytes.byteSize() - dst.byteSize()) {
            throw IoErrors.outOfRange(description, position, dst.byteSize(), bytes.byteSize());
        }
        MemorySegment.copy(bytes, position, dst, 0, dst.byteSize());
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() {
    }
}
