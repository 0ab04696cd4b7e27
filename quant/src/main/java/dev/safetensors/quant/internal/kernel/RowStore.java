package dev.safetensors.quant.internal.kernel;

import dev.safetensors.DType;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;

/** Decoded floats out of a kernel's heap tile into the destination, as F32 or BF16. */
final class RowStore {
    private RowStore() {
    }

    /** {@code tile[from, from + count)} to elements {@code [offset, offset + count)} of {@code dst}. */
    static void store(float[] tile, int from, int count, DType dtype, MemorySegment dst, long offset) {
        if (dtype == DType.F32) {
            MemorySegment.copy(tile, from, dst, LittleEndian.FLOAT, 4 * offset, count);
        } else if (Simd.ENABLED) {
            VectorLoops.bf16(tile, from, count, dst, 2 * offset);
        } else {
            FloatEncoder.encode(tile, from, count, DType.BF16, Overflow.NON_SATURATING, dst.asSlice(2 * offset, 2L * count));
        }
    }
}
