package dev.safetensors.internal.read;

import dev.safetensors.internal.io.WriteFully;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Writes result bytes to a channel: small blocks (the runs of a strided slice) are gathered into one buffer and
 * written together, large ones are written as they come. A write failure is an {@link UncheckedIOException}
 * (the traversal's interfaces are unchecked); the public {@code writeTo} unwraps it.
 */
public final class ChannelSink implements Sink, AutoCloseable {
    private static final int CAPACITY = 1 << 20;
    /** A ByteBuffer view is limited to 2 GiB: write larger blocks in pieces. */
    private static final long MAX_PIECE = 1L << 30;

    private final WritableByteChannel out;
    private final Arena arena = Arena.ofConfined();
    private final long capacity;
    private MemorySegment buffer;
    private long filled;

    /** @param total bytes the copy-out will write: the buffer is never larger */
    public ChannelSink(WritableByteChannel out, long total) {
        WriteFully.requireBlocking(out);
        this.out = out;
        this.capacity = Math.max(1, Math.min(CAPACITY, total));
    }

    @Override
    public void accept(MemorySegment block, long offset) {
        long n = block.byteSize();
        if (n >= capacity / 2) {
            flush();
            write(block);
            return;
        }
        if (buffer == null) {
            buffer = arena.allocate(capacity, 64);
        }
        if (filled + n > capacity) {
            flush();
        }
        MemorySegment.copy(block, 0, buffer, filled, n);
        filled += n;
    }

    @Override
    public void finish() {
        flush();
    }

    private void flush() {
        if (filled > 0) {
            write(buffer.asSlice(0, filled));
            filled = 0;
        }
    }

    private void write(MemorySegment bytes) {
        try {
            for (long done = 0; done < bytes.byteSize(); done += MAX_PIECE) {
                ByteBuffer b = bytes.asSlice(done, Math.min(MAX_PIECE, bytes.byteSize() - done)).asByteBuffer();
                WriteFully.write(out, b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
