package dev.safetensors.quant.internal.write;

import dev.safetensors.DType;
import dev.safetensors.Tensor;
import dev.safetensors.convert.FloatDecoder;
import dev.safetensors.convert.SubBytePacking;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Rows of a dense {@code [out, in]} weight read one at a time as floats, through a one-row staging buffer, so
 * quantizing never holds more than a row of the source whatever its size or read strategy. Not thread-safe:
 * each pass over a tensor makes its own.
 */
final class SourceRows implements AutoCloseable {
    private final Tensor tensor;
    private final int columns;
    private final long rowBytes;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment staging;

    SourceRows(Tensor tensor) {
        this.tensor = tensor;
        this.columns = (int) tensor.shape().dim(1);
        this.rowBytes = (long) columns * tensor.dtype().bits() / 8;
        this.staging = arena.allocate(rowBytes);
    }

    /** Row {@code r} into {@code dst[0, columns)}. */
    void read(long r, float[] dst) {
        tensor.copyTo(r * rowBytes, staging);
        FloatDecoder.decode(tensor.dtype(), staging, dst, 0, SubBytePacking.DEFAULT);
    }

    /** The largest magnitude in the whole tensor (NVFP4's per-tensor scale), NaN ignored. */
    static float amax(Tensor t) {
        float a = 0;
        try (SourceRows rows = new SourceRows(t)) {
            float[] row = new float[rows.columns];
            for (long r = 0; r < t.shape().dim(0); r++) {
                rows.read(r, row);
                for (float v : row) {
                    a = Math.max(a, Math.abs(v));
                }
            }
        }
        return a;
    }

    /** Whether a tensor can be quantized: a 2-D floating weight. */
    static boolean isDenseMatrix(Tensor t) {
        DType d = t.dtype();
        return t.shape().rank() == 2 && (d == DType.F32 || d == DType.F16 || d == DType.BF16) && t.shape().dim(0) > 0
                && t.shape().dim(1) > 0;
    }

    @Override
    public void close() {
        arena.close();
    }
}
