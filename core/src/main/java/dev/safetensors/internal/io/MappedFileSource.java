package dev.safetensors.internal.io;

import dev.safetensors.io.ByteSource;

import dev.safetensors.SafeTensorsException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A whole file mapped read-only with {@code java.lang.foreign}: no 2 GiB limit, every read a plain memory
 * copy, every tensor a zero-copy slice of {@link #mapping()}.
 *
 * <p>The file is mapped once, on the first call to {@link #mapping()}; reads before that (the header) are
 * positional, so opening costs the same for a 1 MiB and a 10 GiB file and a file whose tensors are never
 * touched is never mapped.
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
    private final PositionalFileSource file;   // reads before the mapping exists, and the channel to map
    private final long size;
    private final Arena arena;            // the caller's, or null: then the source makes and closes its own
    private final String description;
    private volatile MemorySegment segment;
    private volatile boolean closed;
    private Arena ownArena;               // created with the mapping, when this source owns it

    private MappedFileSource(PositionalFileSource file, Arena arena, String description) {
        this.file = file;
        this.size = file.size();
        this.arena = arena;
        this.description = description;
    }

    /** Opens {@code path}; it is mapped, when first needed, into an arena this source owns and closes. */
    public static MappedFileSource open(Path path) {
        return open(path, null);
    }

    /** Opens {@code path}; it is mapped into the caller's arena, which this source never closes. */
    public static MappedFileSource open(Path path, Arena callerArena) {
        return new MappedFileSource(PositionalFileSource.open(path), callerArena, path.toString());
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long position, MemorySegment dst) {
        IoErrors.checkRange(description, position, dst.byteSize(), size);
        if (closed) {
            throw IoErrors.closed(description);
        }
        MemorySegment mapped = segment;
        if (mapped == null) {
            file.read(position, dst);   // the header, before anything is mapped
            return;
        }
        copy(mapped, position, dst, description);
    }

    /**
     * Copies {@code dst.byteSize()} bytes of {@code mapping} from {@code position}: an unmapped segment is the
     * clean "the file is closed", a fault (the file shrank or vanished under the mapping) an {@code IoError}.
     */
    public static void copy(MemorySegment mapping, long position, MemorySegment dst, String description) {
        try {
            MemorySegment.copy(mapping, position, dst, 0, dst.byteSize());
        } catch (IllegalStateException e) {
            if (!mapping.scope().isAlive()) {
                throw IoErrors.closed(description);
            }
            throw e;
        } catch (InternalError e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, description, "the file changed on "
                    + "disk while mapped (truncated or removed by another process); open files that others may "
                    + "modify with ReadStrategy.PREAD", e);
        }
    }

    /** The whole file, read-only, mapped on first use; valid until the arena that holds it closes. */
    @Override
    public Optional<MemorySegment> mapping() {
        MemorySegment s = segment;
        if (s == null) {
            s = map();
        }
        return Optional.of(s);
    }

    private synchronized MemorySegment map() {
        if (closed) {
            throw IoErrors.closed(description);
        }
        if (segment == null) {
            Arena target = arena;
            if (target == null) {
                target = ownArena = Arena.ofShared();
            }
            try {
                long now = file.channel().size();
                if (now < size) {
                    throw new SafeTensorsException(SafeTensorsException.Kind.IoError, description, "the file changed on "
                            + "disk since it was opened: it has " + now + " bytes, it had " + size
                            + "; open files that others may modify with ReadStrategy.PREAD");
                }
                segment = file.channel().map(FileChannel.MapMode.READ_ONLY, 0, size, target).asReadOnly();
            } catch (IOException e) {
                throw IoErrors.io(description, "cannot map the file (where the file system cannot mmap, "
                        + "open it with ReadStrategy.PREAD)", e);
            } catch (OutOfMemoryError e) {
                // FileChannel.map reports a refused mmap(2) as OutOfMemoryError: the address space, not the heap.
                throw new SafeTensorsException(SafeTensorsException.Kind.IoError, description, "cannot map the file: "
                        + "the operating system refused the mapping (check `ulimit -v` and vm.max_map_count), or "
                        + "open it with ReadStrategy.PREAD", e);
            }
        }
        return segment;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        file.close();
        if (ownArena != null) {
            closeArena(ownArena);
        }
    }

    /**
     * Closes a shared arena. Closing fails while another thread holds the arena for an I/O call (for
     * example a channel write from a mapped tensor); wait for it rather than leak the mapping.
     */
    public static void closeArena(Arena arena) {
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
