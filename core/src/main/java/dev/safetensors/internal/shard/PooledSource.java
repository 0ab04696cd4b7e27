package dev.safetensors.internal.shard;

import dev.safetensors.ReadStrategy;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.io.FileSource;
import dev.safetensors.internal.io.FileStamp;
import dev.safetensors.internal.io.IoErrors;
import dev.safetensors.internal.io.MappedFileSource;
import dev.safetensors.internal.io.PositionalFileSource;
import dev.safetensors.io.ByteSource;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One shard of a sharded checkpoint, read through a {@link ShardPool}: positional reads borrow the pool's
 * open file (reopened when the pool had closed it), and with {@link ReadStrategy#MMAP} the file is mapped
 * once, into an arena this source owns (or the caller's), so the mapping and every view of it outlive the
 * descriptor, which is closed as soon as the mapping exists.
 *
 * <p>Reopening by name could find another file: the checkpoint replaced on disk, or the shard rewritten. The
 * file's {@link FileStamp} (identity, size, modification time) is recorded at the first open and checked at
 * every reopen and at mapping ({@link FileStamp#checkSame}); a different file is an {@code IoError}, never its
 * bytes under the old header. Copy-outs check the file after their reads as for any {@link FileSource}.
 *
 * <pre>{@code
 * SafeTensorsFile shard = SafeTensorsFile.open(PooledSource.open(pool, real, name, ReadStrategy.MMAP, null),
 *         Header.DEFAULT_MAX_SIZE);
 * }</pre>
 */
public final class PooledSource implements FileSource {
    private final ShardPool pool;
    private final Path path;
    private final String description;
    private final ReadStrategy strategy;
    private final Arena callerArena;
    private final FileStamp stamp;
    private volatile MemorySegment mapping;
    private volatile boolean closed;
    private Arena ownArena;               // guarded by this
    int pins;                             // reads in progress; guarded by the pool

    private PooledSource(ShardPool pool, Path path, String description, ReadStrategy strategy, Arena callerArena,
            FileStamp stamp) {
        this.pool = pool;
        this.path = path;
        this.description = description;
        this.strategy = strategy;
        this.callerArena = callerArena;
        this.stamp = stamp;
    }

    /**
     * Opens {@code path} and records which file it is.
     *
     * @param description what messages call the shard (its name in the checkpoint's directory)
     * @param callerArena for {@link ReadStrategy#MMAP}: the arena to map into, or null for one of this source's
     */
    public static PooledSource open(ShardPool pool, Path path, String description, ReadStrategy strategy,
            Arena callerArena) {
        PositionalFileSource file = openFile(path, description);
        try {
            PooledSource s = new PooledSource(pool, path, description, strategy, callerArena, file.stamp());
            pool.adopt(s, file);
            return s;
        } catch (RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    @Override
    public long size() {
        return stamp.size();
    }

    @Override
    public void read(long position, MemorySegment dst) {
        IoErrors.checkRange(description, position, dst.byteSize(), size());
        if (closed) {
            throw IoErrors.closed(description);
        }
        MemorySegment mapped = mapping;
        if (mapped != null) {
            MappedFileSource.copy(mapped, position, dst, this);
            return;
        }
        ByteSource file = pool.acquire(this);
        try {
            file.read(position, dst);
        } catch (SafeTensorsException e) {
            if (closed) {
                throw IoErrors.closed(description);
            }
            // The file stays in the pool: an interrupt fails only the interrupted read (OpenedFile reopens the
            // channel for the others), and closing it here would fail the other readers holding it.
            throw renamed(e);
        } finally {
            pool.release(this);
        }
    }

    /** With {@link ReadStrategy#MMAP}: the whole file, mapped on first use; the descriptor is closed after. */
    @Override
    public Optional<MemorySegment> mapping() {
        if (strategy != ReadStrategy.MMAP) {
            return Optional.empty();
        }
        MemorySegment m = mapping;
        return Optional.of(m != null ? m : map());
    }

    private synchronized MemorySegment map() {
        if (closed) {
            throw IoErrors.closed(description);
        }
        if (mapping == null) {
            Arena arena = callerArena;
            if (arena == null) {
                arena = ownArena = Arena.ofShared();
            }
            try (MappedFileSource file = MappedFileSource.open(path, arena)) {
                stamp.checkSame(file.stamp(), description, "the shard was opened again to map it");
                mapping = file.mapping().orElseThrow();
            } catch (SafeTensorsException e) {
                if (ownArena != null) {
                    ownArena.close();
                    ownArena = null;
                }
                throw renamed(e);
            }
            pool.retire(this);      // the mapping needs no descriptor
        }
        return mapping;
    }

    /** Opens the file again for the pool, refusing another file than the one first opened. */
    ByteSource reopen() {
        if (closed) {
            throw IoErrors.closed(description);
        }
        PositionalFileSource file = openFile(path, description);
        try {
            stamp.checkSame(file.stamp(), description, "the pool opened the shard again");
            return file;
        } catch (RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public FileStamp stamp() {
        return stamp;
    }

    @Override
    public boolean isMapping() {
        return strategy == ReadStrategy.MMAP;
    }

    private static PositionalFileSource openFile(Path path, String description) {
        try {
            return PositionalFileSource.open(path);
        } catch (SafeTensorsException e) {
            throw new SafeTensorsException(e.kind(), description, e.detail(), e);
        }
    }

    /** The same failure, naming the shard as the checkpoint names it. */
    private SafeTensorsException renamed(SafeTensorsException e) {
        return description.equals(e.source()) ? e : new SafeTensorsException(e.kind(), description, e.detail(), e);
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
        pool.remove(this);
        if (ownArena != null) {
            MappedFileSource.closeArena(ownArena);
        }
    }
}
