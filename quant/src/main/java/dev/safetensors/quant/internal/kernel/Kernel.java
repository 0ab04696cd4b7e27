package dev.safetensors.quant.internal.kernel;

import java.lang.foreign.MemorySegment;

import dev.safetensors.quant.UnpackedWeights;

/**
 * Turns one quantized weight back into floats, a block of rows at a time, in the logical
 * {@code [rows, columns]} = {@code [out_features, in_features]} orientation whatever the packed layout.
 * Implementations are immutable and safe to share between threads; shapes were validated when they were
 * built, so decoding cannot fail on bad input.
 */
public interface Kernel {
    long rows();

    int columns();

    /** Rows {@code [row, row + count)} into {@code dst[offset, offset + count × columns)}, row-major. */
    void decode(long row, int count, MemorySegment dst, long offset);

    /** The codes and scales of rows {@code [row, row + count)}. */
    UnpackedWeights unpack(long row, int count);
}
