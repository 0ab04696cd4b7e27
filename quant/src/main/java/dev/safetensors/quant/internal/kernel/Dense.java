package dev.safetensors.quant.internal.kernel;

import dev.safetensors.DType;
import dev.safetensors.TensorData;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongConsumer;

/**
 * Dequantized rows in a dense dtype, in bounded memory. Kernels write F32 and BF16 themselves, straight into
 * the destination when it is plain native memory, so computing and writing memory overlap; other destinations
 * (heap arrays, mapped files) go through a native staging tile, as does F16, rounded from F32 there. Kernels
 * thus only ever write one kind of segment, which keeps their loops compiled for it.
 */
public final class Dense {
    /** Floats per decoded block: 256 KiB, which stays in a core's L2 cache. */
    public static final int TILE = 1 << 16;

    private Dense() {
    }

    /** Whether {@code dtype} is one dequantization writes. */
    public static boolean isOutput(DType dtype) {
        return dtype == DType.F32 || dtype == DType.BF16 || dtype == DType.F16;
    }

    /** Rows per block: enough for {@code floats} floats, at least one. */
    public static int rowsPer(int floats, int columns) {
        return Math.max(1, floats / columns);
    }

    /** Rows {@code [from, to)} into {@code dst[offset, ...)} as Java floats. */
    public static void toArray(Kernel k, long from, long to, float[] dst, int offset) {
        int columns = k.columns();
        int rows = k.blockRows(DType.F32);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(4L * Math.min(rows, to - from) * columns, 64);
            for (long r = from; r < to; r += rows) {
                int n = (int) Math.min(rows, to - r);
                k.decode(r, n, DType.F32, staging, 0);
                MemorySegment.copy(staging, LittleEndian.FLOAT, 0, dst, offset + (int) ((r - from) * columns), n * columns);
            }
        }
    }

    /** Rows {@code [from, to)} into {@code dst} from byte 0, {@code (to − from) × columns} elements of {@code dtype}. */
    public static void encode(Kernel k, long from, long to, DType dtype, MemorySegment dst) {
        int columns = k.columns();
        int rows = k.blockRows(dtype == DType.F16 ? DType.F32 : dtype);
        if (dtype != DType.F16 && dst.isNative() && !dst.isMapped()) {
            for (long r = from; r < to; r += rows) {
                k.decode(r, (int) Math.min(rows, to - r), dtype, dst, (r - from) * columns);
            }
            return;
        }
        long width = dtype.bits() / 8;
        DType decoded = dtype == DType.F16 ? DType.F32 : dtype;
        int tile = (int) Math.min(rows, to - from) * columns;
        float[] floats = dtype == DType.F16 ? new float[tile] : null;
        short[] halves = dtype == DType.F16 ? new short[tile] : null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate((long) tile * decoded.bits() / 8, 64);
            for (long r = from; r < to; r += rows) {
                int n = (int) Math.min(rows, to - r);
                int count = n * columns;
                k.decode(r, n, decoded, staging, 0);
                MemorySegment out = dst.asSlice((r - from) * columns * width, count * width);
                if (dtype == DType.F16) {
                    // Float.floatToFloat16 over arrays is a vectorised intrinsic: = FloatEncoder.toF16(x, NON_SATURATING).
                    MemorySegment.copy(staging, LittleEndian.FLOAT, 0, floats, 0, count);
                    for (int i = 0; i < count; i++) {
                        halves[i] = Float.floatToFloat16(floats[i]);
                    }
                    MemorySegment.copy(halves, 0, out, LittleEndian.SHORT, 0, count);
                } else {
                    MemorySegment.copy(staging, 0, out, 0, count * width);
                }
            }
        }
    }

    /**
     * The whole weight as tensor bytes for a writer, rows in order; {@code progress} hears the bytes produced
     * after each block.
     */
    public static TensorData stream(Kernel k, DType dtype, LongConsumer progress) {
        return sink -> {
            int columns = k.columns();
            int rows = k.blockRows(dtype == DType.F16 ? DType.F32 : dtype);
            long width = dtype.bits() / 8;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment staging = arena.allocate(Math.min(rows, k.rows()) * columns * width, 64);
                for (long r = 0; r < k.rows(); r += rows) {
                    int n = (int) Math.min(rows, k.rows() - r);
                    MemorySegment bytes = staging.asSlice(0, (long) n * columns * width);
                    encode(k, r, r + n, dtype, bytes);
                    sink.write(bytes);
                    progress.accept(bytes.byteSize());
                }
            }
        };
    }

    /**
     * Stacked experts {@code [E, rows, columns]} written as {@code [E, columns, rows]}, each expert's matrix
     * transposed, in strips of whole FP4 blocks so a strip of every row fits a tile.
     */
    public static TensorData streamTransposed(Fp4Kernel k, long experts, DType dtype, LongConsumer progress) {
        return sink -> {
            long rows = k.rows() / experts;
            int columns = k.columns();
            int block = k.block();
            int blocks = (int) Math.ceilDiv(columns, block);
            int stripBlocks = (int) Math.max(1, Math.min(blocks, TILE / ((long) block * rows)));
            float[] strip = new float[(int) (rows * stripBlocks * block)];
            float[] transposed = new float[strip.length];
            long width = dtype.bits() / 8;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment staging = arena.allocate(strip.length * width);
                MemorySegment le = arena.allocate(4L * strip.length);
                for (long e = 0; e < experts; e++) {
                    for (int b = 0; b < blocks; b += stripBlocks) {
                        int nb = Math.min(stripBlocks, blocks - b);
                        int w = Math.min(nb * block, columns - b * block);
                        k.decode(e * rows, (int) rows, b, nb, DType.F32, le, 0);
                        MemorySegment.copy(le, LittleEndian.FLOAT, 0, strip, 0, (int) (w * rows));
                        for (int r = 0; r < rows; r++) {
                            for (int c = 0; c < w; c++) {
                                transposed[(int) (c * rows + r)] = strip[r * w + c];
                            }
                        }
                        int count = (int) (w * rows);
                        MemorySegment bytes = staging.asSlice(0, count * width);
                        FloatEncoder.encode(transposed, 0, count, dtype, Overflow.NON_SATURATING, bytes);
                        sink.write(bytes);
                        progress.accept(bytes.byteSize());
                    }
                }
            }
        };
    }
}
