package dev.safetensors.quant.fuzz;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.io.ByteSource;
import java.lang.foreign.MemorySegment;

/** A whole safetensors "file" in a byte array, so the fuzz target opens thousands per second without disk. */
final class InMemorySource implements ByteSource {
    private final MemorySegment bytes;

    InMemorySource(byte[] bytes) {
        this.bytes = MemorySegment.ofArray(bytes);
    }

    @Override
    public long size() {
        return bytes.byteSize();
    }

    @Override
    public void read(long position, MemorySegment dst) {
        if (position < 0 || position > bytes.byteSize() - dst.byteSize()) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, "fuzz", "read past the end");
        }
        MemorySegment.copy(bytes, position, dst, 0, dst.byteSize());
    }

    @Override
    public String description() {
        return "fuzz";
    }

    @Override
    public void close() {
    }
}
