package dev.safetensors.internal.io;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.io.ByteSource;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * A whole safetensors file already in memory: a byte array, or a segment the caller owns (off-heap, a mapping of
 * its own, a buffer received from the network). Nothing is copied: {@link #mapping()} is a read-only view of the
 * caller's memory, so tensors are views of it. Closing marks the source closed and frees nothing; the memory
 * belongs to the caller, and once its arena closes every read is an {@code IoError}.
 *
 * <pre>{@code
 * ByteSource src = new SegmentSource(MemorySegment.ofArray(bytes), "<memory>");
 * }</pre>
 */
public final class SegmentSource implements ByteSource {
    private final MemorySegment bytes;
    private final String description;
    private volatile boolean closed;

    /** A source over {@code bytes} (kept as a read-only view), called {@code description} in messages. */
    public SegmentSource(MemorySegment bytes, String description) {
        this.bytes = bytes.asReadOnly();
        this.description = description;
    }

    @Override
    public long size() {
        return bytes.byteSize();
    }

    @Override
    public void read(long position, MemorySegment dst) {
        long length = dst.byteSize();
        if (position < 0 || position > size() - length) {
            throw IoErrors.outOfRange(description, position, length, size());
        }
        if (closed) {
            throw IoErrors.closed(description);
        }
        try {
            MemorySegment.copy(bytes, position, dst, 0, length);
        } catch (IllegalStateException e) {
            if (!bytes.scope().isAlive()) {
                throw freed(description);
            }
            throw e;
        }
    }

    @Override
    public Optional<MemorySegment> mapping() {
        if (closed) {
            throw IoErrors.closed(description);
        }
        return Optional.of(bytes);
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() {
        closed = true;
    }

    /** The caller closed the arena of the memory a handle reads. */
    public static SafeTensorsException freed(String description) {
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, description,
                "the memory holding the file was freed or unmapped (its arena is closed)");
    }
}
