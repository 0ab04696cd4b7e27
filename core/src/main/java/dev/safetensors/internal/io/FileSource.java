package dev.safetensors.internal.io;

import dev.safetensors.io.ByteSource;

/**
 * A byte source over a file on disk, which other processes may change while it is open. Copy-outs call
 * {@link #checkUnchanged()} after their reads, so that bytes of a changed file are reported, never returned.
 */
public sealed interface FileSource extends ByteSource permits MappedFileSource, PositionalFileSource {
    /**
     * @throws dev.safetensors.SafeTensorsException of kind {@code IoError} when the file at the path is the
     *         one opened but its size or modification time changed since (see {@link OpenedFile})
     */
    void checkUnchanged();

    /** Whether {@link #mapping()} gives a mapping, answered without making one. */
    boolean isMapping();

    /**
     * Hints that bytes {@code [position, position + length)} will be read soon ({@link ReadAhead}); returns at
     * once, and does nothing where hints are not available.
     */
    void prefetch(long position, long length);
}
