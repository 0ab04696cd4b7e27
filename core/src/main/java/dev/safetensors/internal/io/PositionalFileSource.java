package dev.safetensors.internal.io;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Reads with positional {@code read} calls and no mapping: for network file systems, file systems that
 * cannot mmap, and unified-memory machines where page cache and copies would otherwise share one pool.
 * The reference calls the same strategy its {@code pread} backend.
 *
 * <p>Every read copies into the caller's segment, so the caller decides where bytes land (a pooled
 * buffer, a heap array, pinned memory). An interrupt fails only the interrupted thread's read
 * ({@link OpenedFile}).
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
public final class PositionalFileSource implements FileSource {
    private final OpenedFile file;

    private PositionalFileSource(OpenedFile file) {
        this.file = file;
    }

    /** Opens {@code path} for positional reads. */
    public static PositionalFileSource open(Path path) {
        return new PositionalFileSource(OpenedFile.open(path));
    }

    @Override
    public long size() {
        return file.size();
    }

    @Override
    public void read(long position, MemorySegment dst) {
        long length = dst.byteSize();
        IoErrors.checkRange(description(), position, length, size());
        file.read(position, dst);
    }

    @Override
    public Path path() {
        return file.path();
    }

    @Override
    public FileStamp stamp() {
        return file.stamp();
    }

    @Override
    public boolean isMapping() {
        return false;
    }

    @Override
    public String description() {
        return file.description();
    }

    @Override
    public void close() {
        file.close();
    }
}
