package dev.safetensors.internal.shard;

import dev.safetensors.ReadStrategy;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.io.IoErrors;
import dev.safetensors.internal.io.MappedFileSource;
import dev.safetensors.internal.io.PositionalFileSource;
import dev.safetensors.io.ByteSource;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.Optional;

/**
 * One shard of a sharded checkpoint, read through a {@link ShardPool}: positional reads borrow the pool's
 * open file (reopened when the pool had closed it), and with {@link ReadStrategy#MMAP} the file is mapped
 * once, into an arena this source owns (or the caller's), so the mapping and every view of it outlive the
 * descriptor, which is closed as soon as the mapping exists.
 *
 * <p>Reopening by name could find another file: the checkpoint replaced on disk, or the shard rewritten. The
 * file's identity (device and inode where the platform has them), size and modification time are recorded
 * at the first open and checked at every reopen and at mapping; a different file is an {@code IoError},
 * never its bytes under the old header.
 *
 * <pre>{@code
 * SafeTensorsFile shard = SafeTensorsFile.open(PooledSource.open(pool, real, name, ReadStrategy.MMAP, null),
 *         Header.DEFAULT_MAX_SIZE);
 * }</pre>
 */
public final class PooledSource implements ByteSource {
    private final ShardPool pool;
    private final Path path;
    private final String description;
    private final ReadStrategy strategy;
    private final Arena callerArena;
    private final long size;
    private final Object fileKey;
    private final FileTime modified;
    private volatile MemorySegment mapping;
    private volatile boolean closed;
    private Arena ownArena;               // guarded by this
    int pins;                             // reads in progress; guarded by the pool

    private PooledSource(ShardPool pool, Path path, String description, ReadStrategy strategy, Arena callerArena,
            long size, BasicFileAttributes identity) {
        this.pool = pool;
        this.path = path;
        this.description = description;
        this.strategy = strategy;
        this.callerArena = callerArena;
        this.size = size;
        this.fileKey = identity.fileKey();
        this.modified = identity.lastModifiedTime();
    }

    /**
     * Opens {@code path} and records which file it is.
     *
     * @param description what messages call the shard (its name in the checkpoint's directory)
     * @param callerArena for {@link ReadStrategy#MMAP}: the arena to map into, or null for one of this source's
     */
    public static PooledSource open(ShardPool pool, Path path, String description, ReadStrategy strategy,
            Arena callerArena) {
        // The file's identity before and after opening: equal, so the descriptor is of that file.
        BasicFileAttributes before = attributes(path, description);
        PositionalFileSource file = openFile(path, description);
        try {
            BasicFileAttributes after = attributes(path, description);
            if (!Objects.equals(before.fileKey(), after.fileKey()) || file.size() != after.size()
                    || !before.lastModifiedTime().equals(after.lastModifiedTime())) {
                throw new SafeTensorsException(SafeTensorsException.Kind.IoError, description,
                        "the file changed on disk while it was being opened");
            }
            PooledSource s = new PooledSource(pool, path, description, strategy, callerArena, file.size(), after);
            pool.adopt(s, file);
            return s;
        } catch (RuntimeException | Error e) {
            file.close();
            throw e;
        }
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
        MemorySegment mapped = mapping;
        if (mapped != null) {
            MappedFileSource.copy(mapped, position, dst, description);
            return;
        }
        ByteSource file = pool.acquire(this);
        try {
            file.read(position, dst);
        } catch (SafeTensorsException e) {
            if (closed) {
                throw IoErrors.closed(description);
            }
            // The file may be unusable now (an interrupted read closes a FileChannel): the next read reopens.
            pool.discard(this, file);
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
                checkSameFile(file.size());
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
            checkSameFile(file.size());
            return file;
        } catch (RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    private void checkSameFile(long nowSize) {
        BasicFileAttributes now = attributes(path, description);
        if (nowSize != size || !Objects.equals(now.fileKey(), fileKey) || !now.lastModifiedTime().equals(modified)) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, description, "the file changed on disk "
                    + "since the checkpoint was opened (replaced or rewritten: now " + nowSize + " bytes, modified "
                    + now.lastModifiedTime() + "; then " + size + " bytes, modified " + modified
                    + "); open the checkpoint again");
        }
    }

    private static PositionalFileSource openFile(Path path, String description) {
        try {
            return PositionalFileSource.open(path);
        } catch (SafeTensorsException e) {
            throw new SafeTensorsException(e.kind(), description, e.detail(), e);
        }
    }

    private static BasicFileAttributes attributes(Path path, String description) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            throw IoErrors.io(description, "cannot read the file's attributes", e);
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
