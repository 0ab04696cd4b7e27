package dev.safetensors.internal.read;

import java.lang.foreign.MemorySegment;

/**
 * Where the bytes of a copy-out go, in result order (the order of the runs). A sink either lends memory that
 * takes bytes as the file holds them ({@link #direct}), or is handed blocks of them to decode or to write
 * ({@link #accept}). Any public copy-out (an array, caller memory, a channel, and later a decoding copy into
 * caller memory beyond 2^31 elements) is a sink over the one traversal in {@link RunCopier}.
 */
public interface Sink {
    /**
     * Memory that takes result bytes {@code [offset, offset + length)} exactly as the file holds them, or
     * null when this sink must see the bytes.
     */
    default MemorySegment direct(long offset, long length) {
        return null;
    }

    /**
     * Result bytes from {@code offset}, valid only during the call. A block holds whole elements: whole bytes
     * for F4 pairs, whole 3-byte groups for F6.
     */
    void accept(MemorySegment block, long offset);

    /** After the last block. */
    default void finish() {
    }
}
