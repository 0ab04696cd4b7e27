package dev.safetensors.internal.io;

import dev.safetensors.internal.shard.PooledSource;
import dev.safetensors.io.ByteSource;
import java.nio.file.Path;

/**
 * A byte source over a file on disk, which other processes may change while it is open. Copy-outs call
 * {@link #checkUnchanged()} after their reads, so that bytes of a changed file are reported, never returned;
 * anything that opens the path again checks it against {@link #stamp()} ({@link FileStamp}: the one test of
 * "is this still the file we opened").
 */
public sealed interface FileSource extends ByteSource permits MappedFileSource, PositionalFileSource, PooledSource {
    /** The file on disk. */
    Path path();

    /** The file as it was opened. */
    FileStamp stamp();

    /**
     * @throws dev.safetensors.SafeTensorsException of kind {@code IoError} when the file at the path is the
     *         one opened but its size or modification time changed since (see {@link FileStamp#checkUnchanged})
     */
    default void checkUnchanged() {
        stamp().checkUnchanged(path(), description());
    }

    /** Whether {@link #mapping()} gives a mapping, answered without making one. */
    boolean isMapping();

    /**
     * Hints that bytes {@code [position, position + length)} will be read soon ({@link ReadAhead}): madvise on the
     * mapping (made if it is not yet) when this source maps, posix_fadvise on the file otherwise. Returns at once,
     * and does nothing where hints are not available.
     */
    default void prefetch(long position, long length) {
        if (!ReadAhead.enabled()) {
            return;
        }
        if (isMapping()) {
            ReadAhead.mapped(mapping().orElseThrow().asSlice(position, length));
        } else {
            ReadAhead.file(path(), position, length);
        }
    }
}
