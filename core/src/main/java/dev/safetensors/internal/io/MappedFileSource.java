package dev.safetensors.internal.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A whole file mapped read-only with {@code java.lang.foreign}: no 2 GiB limit, every read a plain memory
 * copy, every tensor a zero-copy slice of {@link #mapping()}.
 *
 * <p>The file is mapped once, on the first call to {@link #mapping()}; reads before that (the header) are
 * positional, so opening costs the same for a 1 MiB and a 10 GiB file and a file whose tensors are never
 * touched is never mapped. An interrupt fails only the interrupted thread's positional read or mapping
 * ({@link OpenedFile}); reads of the mapping are memory copies, which interrupts do not affect.
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
public final class MappedFileSource implements FileSource {
    private final OpenedFile file;
    private final Arena arena;            // the caller's, or null: then the source makes and closes its own
    private volatile MemorySegment segment;
    private volatile boolean closed;
    private Arena ownArena;               // created with the mapping, when this source owns it

    private MappedFileSource(OpenedFile file, Arena arena) {
        this.file = file;
        this.arena = arena;
    }

    /** Opens {@code path}; it is mapped, when first needed, into an arena this source owns and closes. */
    public static MappedFileSource open(Path path) {
        return open(path, null);
    }

    /** Opens {@code path}; it is mapped into the caller's arena, which this source never closes. */
    public static MappedFileSource open(Path path, Arena callerArena) {
        return new MappedFileSource(OpenedFile.open(path), callerArena);
    }

    @Override
    public long size() {
        return file.size();
    }

    /**
     * Before the mapping exists (the header read), bytes come through the channel; afterwards from the
     * mapping, with the file on disk checked after the copy so that a file that shrank or changed is an
     * {@code IoError}, not a fault or foreign bytes.
     */
    @Override
    public void read(long position, MemorySegment dst) {
        IoErrors.checkRange(description(), position, dst.byteSize(), size());
        if (closed) {
            throw IoErrors.closed(description());
        }
        MemorySegment mapped = segment;
        if (mapped == null) {
            file.read(position, dst);
            return;
        }
        copy(mapped, position, dst, this);
    }

    /**
     * Copies {@code dst.byteSize()} bytes of {@code mapping} (the whole of {@code file}) from {@code position},
     * then checks the file on disk ({@link FileSource#checkUnchanged()}): a file that changed is an {@code IoError},
     * never its bytes; an unmapped segment is the clean "the file is closed"; a fault (the file shrank or
     * vanished under the mapping) an {@code IoError} naming the change.
     */
    public static void copy(MemorySegment mapping, long position, MemorySegment dst, FileSource file) {
        try {
            MemorySegment.copy(mapping, position, dst, 0, dst.byteSize());
            file.checkUnchanged();    // a native call: a fault of the copy is delivered here at the latest
        } catch (IllegalStateException e) {
            if (!mapping.scope().isAlive()) {
                throw IoErrors.closed(file.description());
            }
            throw e;
        } catch (InternalError e) {
            file.checkUnchanged();
            throw IoErrors.changed(file.description(), "a read of the mapping faulted: it was truncated or removed "
                    + "by another process; open files that others may modify with ReadStrategy.PREAD", e);
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

    @Override
    public boolean isMapping() {
        return true;
    }

    @Override
    public Path path() {
        return file.path();
    }

    @Override
    public FileStamp stamp() {
        return file.stamp();
    }

    private synchronized MemorySegment map() {
        if (closed) {
            throw IoErrors.closed(description());
        }
        if (segment == null) {
            if (arena == null && ownArena == null) {
                ownArena = Arena.ofShared();
            }
            segment = file.map(arena != null ? arena : ownArena);
        }
        return segment;
    }

    @Override
    public String description() {
        return file.description();
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
        boolean interrupted = false;
        try {
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
                            interrupted = true;    // keep waiting (the flag is cleared, so sleep sleeps), restore it after
                        }
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
