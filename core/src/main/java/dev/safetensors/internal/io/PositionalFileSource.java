package dev.safetensors.internal.io;

import dev.safetensors.io.ByteSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads with positional {@code read} calls and no mapping: for network file systems, file systems that
 * cannot mmap, and unified-memory machines where page cache and copies would otherwise share one pool.
 * The reference calls the same strategy its {@code pread} backend.
 *
 * <p>Every read copies into the caller's segment, so the caller decides where bytes land (a pooled
 * buffer, a heap array, pinned memory).
 *
 * <pre>{@code
 * try (var src = PositionalFileSource.open(Path.of("model.safetensors"))) {
 *     try (Arena arena = Arena.ofConfined()) {
 *         MemorySegment buf = arena.allocate(src.size());
 *         src.read(0, buf);
 *     }
 * }
 * }</pre>
 */
public final class PositionalFileSource implements ByteSource {
    /** A ByteBuffer view is limited to 2 GiB; read larger ranges in pieces. */
    private static final long MAX_CHUNK = 1L << 30;
    /**
     * Into heap memory the JDK reads through a temporary direct buffer as large as the request; pieces of
     * 16 MiB keep that buffer small and the copy in cache.
     */
    private static final long HEAP_CHUNK = 16L << 20;

    private final FileChannel channel;
    private final long size;
    private final String description;

    private PositionalFileSource(FileChannel channel, long size, String description) {
        this.channel = channel;
        this.size = size;
        this.description = description;
    }

    /** Opens {@code path} for positional reads. */
    public static PositionalFileSource open(Path path) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
            return new PositionalFileSource(ch, ch.size(), path.toString());
        } catch (IOException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw IoErrors.io(path.toString(), "cannot open the file", e);
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long position, MemorySegment dst) {
        long length = dst.byteSize();
        IoErrors.checkRange(description, position, length, size);
        long done = 0;
        long chunk = dst.isNative() ? MAX_CHUNK : HEAP_CHUNK;
        try {
            while (done < length) {
                long n = Math.min(chunk, length - done);
                ByteBuffer bb = dst.asSlice(done, n).asByteBuffer();
                while (bb.hasRemaining()) {
                    int r = channel.read(bb, position + done + bb.position());
                    if (r < 0) {
                        throw IoErrors.outOfRange(description, position, length, position + done + bb.position());
                    }
                }
                done += n;
            }
        } catch (ClosedByInterruptException e) {
            throw IoErrors.io(description, "the read was interrupted, which closed the file", e);
        } catch (ClosedChannelException e) {
            throw IoErrors.closed(description);
        } catch (IOException e) {
            throw IoErrors.io(description, "cannot read " + length + " bytes at offset " + position, e);
        }
    }

    /** The open channel, for {@link MappedFileSource} to map; it stays this source's to close. */
    FileChannel channel() {
        return channel;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // A read-only channel has nothing to flush; there is nothing a caller could do.
        }
    }
}
