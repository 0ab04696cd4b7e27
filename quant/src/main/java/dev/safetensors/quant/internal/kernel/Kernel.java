package dev.safetensors.quant.internal.kernel;

import dev.safetensors.DType;
import dev.safetensors.quant.UnpackedWeights;
import java.lang.foreign.MemorySegment;

/**
 * Turns one quantized weight back into floats, a block of rows at a time, in the logical
 * {@code [rows, columns]} = {@code [out_features, in_features]} orientation whatever the packed layout.
 * Implementations are immutable and safe to share between threads; shapes were validated when they were
 * built, so decoding cannot fail on bad input.
 */
public interface Kernel {
    long rows();

    int columns();

    /**
     * Rows {@code [row, row + count)} as F32 or BF16 (round to nearest even, NaN to 0x7FC0), little-endian,
     * row-major, into {@code dst} from element {@code offset}.
     */
    void decode(long row, int count, DType dtype, MemorySegment dst, long offset);

    /**
     * Rows one {@link #decode} call takes when a whole weight is streamed as {@code dtype}: a tile's worth
     * ({@link Dense#TILE} floats) unless the kernel's loops want more.
     */
    default int blockRows(DType dtype) {
        return Dense.rowsPer(Dense.TILE, columns());
    }

    /** The codes and scales of rows {@code [row, row + count)}. */
    UnpackedWeights unpack(long row, int count);
}
