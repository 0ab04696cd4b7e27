package dev.safetensors.io;

import dev.safetensors.SafeTensorsException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;

/**
 * A whole file mapped once, read-only, with {@code java.lang.foreign}: no 2 GiB limit, every read a plain
 * memory copy, every tensor a zero-copy slice of {@link #mapping()}.
 *
 * <p>Lifetime: with {@link #open(Path)} the source owns a shared {@link Arena} and {@link #close()} unmaps
 * the file; afterwards slices taken from the mapping throw {@link IllegalStateException} on access (the
 * JVM checks, so a stale slice can never read unmapped memory). With {@link #open(Path, Arena)} the caller
 * owns the arena and the mapping lives until the caller closes it.
 *
 * <pre>{@code
 * try (Arena arena = Arena.ofShared();
 *      var src = MappedFileSource.open(Path.of("model.safetensors"), arena)) {
 *     MemorySegment all = src.mapping().orElseThrow();
 * }
 * }</pre>
 */
public final class MappedFileSource implements ByteSource {
    private final MemorySegment segment;
    private final Arena ownArena;
    private final String description;
    private volatile boolean closed;

    private MappedFileSource(MemorySegment segment, Arena ownArena, String description) {
        this.segment = segment;
        this.ownArena = ownArena;
        this.description = description;
    }

    /** Maps {@code path} into an arena this source owns and closes. */
    public static MappedFileSource open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            return new MappedFileSource(map(path, arena), arena, path.toString());
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Maps {@code path} into the caller's arena; closing this source leaves the mapping alone. */
    public static MappedFileSource open(Path path, Arena arena) {
        Objects.requireNonNull(arena, "arena must be non-null");
        return new MappedFileSource(map(path, arena), null, path.toString());
    }

    private static MemorySegment map(Path path, Arena arena) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw IoErrors.io(path.toString(), "cannot open the file", e);
        }
        // The mapping outlives the channel: only the arena decides when it goes.
        try (ch) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena).asReadOnly();
        } catch (IOException e) {
            throw IoErrors.io(path.toString(), "cannot map the file (where the file system cannot mmap, "
                    + "open it with ReadStrategy.PREAD)", e);
        } catch (OutOfMemoryError e) {
            // FileChannel.map reports a refused mmap(2) as OutOfMemoryError: the address space, not the heap.
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, path.toString(), "cannot map the file: "
                    + "the operating system refused the mapping (check `ulimit -v` and vm.max_map_count), or "
                    + "open it with ReadStrategy.PREAD", e);
        }
    }

    @Override
    public long size() {
        return segment.byteSize();
    }

    @Override
    public void read(long position, MemorySegment dst) {
        long length = dst.byteSize();
        if (position < 0 || position > segment.byteSize() - length) {
            throw IoErrors.outOfRange(description, position, length, segment.byteSize());
        }
        if (closed) {
            throw IoErrors.closed(description);
        }
        try {
            MemorySegment.copy(segment, position, dst, 0, length);
        } catch (IllegalStateException e) {
            if (!segment.scope().isAlive()) {
                throw IoErrors.closed(description);
            }
            throw e;
        }
    }

    /** The whole file, read-only; valid until the arena that holds it closes. */
    @Override
    public Optional<MemorySegment> mapping() {
        if (closed) {
            throw IoErrors.closed(description);
        }
        return Optional.of(segment);
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownArena != null) {
            closeArena(ownArena);
        }
    }

    /**
     * Closes a shared arena. Closing fails while another thread holds the arena for an I/O call (for
     * example a channel write from a mapped tensor); wait for it rather than leak the mapping.
     */
    static void closeArena(Arena arena) {
        for (int attempt = 0; ; attempt++) {
            try {
                arena.close();
                return;
            } catch (IllegalStateException e) {
                if (!arena.scope().isAlive()) {
                    return;
                }
                if (attempt < 100) {
                    Thread.onSpinWait();
                } else {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }
    }
}
