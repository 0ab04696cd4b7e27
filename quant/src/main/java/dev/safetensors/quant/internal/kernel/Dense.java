package dev.safetensors.quant.internal.kernel;

import dev.safetensors.DType;
import dev.safetensors.TensorData;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongConsumer;

/**
 * Dequantized rows in a dense dtype, in bounded memory: a kernel decodes a tile of rows into floats, which
 * are then encoded (F32 copied; BF16 and F16 rounded to nearest even, overflowing to Inf as PyTorch's cast
 * does) into the destination. Tiles hold about {@link #TILE} floats, at least one row.
 */
public final class Dense {
    /** Floats per decoded tile: 256 KiB, which stays in a core's L2 cache between decoding and encoding. */
    public static final int TILE = 1 << 16;

    private Dense() {
    }

    /** Whether {@code dtype} is one dequantization writes. */
    public static boolean isOutput(DType dtype) {
        return dtype == DType.F32 || dtype == DType.BF16 || dtype == DType.F16;
    }

    /** Rows {@code [from, to)} into {@code dst} from byte 0, {@code (to − from) × columns} elements of {@code dtype}. */
    public static void encode(Kernel k, long from, long to, DType dtype, MemorySegment dst) {
        int columns = k.columns();
        int tileRows = tileRows(columns);
        float[] tile = new float[(int) Math.min(tileRows, to - from) * columns];
        long width = dtype.bits() / 8;
        long at = 0;
        for (long r = from; r < to; r += tileRows) {
            int n = (int) Math.min(tileRows, to - r);
            k.decode(r, n, tile, 0);
            int count = n * columns;
            FloatEncoder.encode(tile, 0, count, dtype, Overflow.NON_SATURATING, dst.asSlice(at, count * width));
            at += count * width;
        }
    }

    /**
     * The whole weight as tensor bytes for a writer, rows in order; {@code progress} hears the bytes produced
     * after each tile.
     */
    public static TensorData stream(Kernel k, DType dtype, LongConsumer progress) {
        return sink -> {
            int columns = k.columns();
            int tileRows = tileRows(columns);
            long width = dtype.bits() / 8;
            float[] tile = new float[(int) Math.min(tileRows, k.rows()) * columns];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment staging = arena.allocate((long) tile.length * width);
                for (long r = 0; r < k.rows(); r += tileRows) {
                    int n = (int) Math.min(tileRows, k.rows() - r);
                    k.decode(r, n, tile, 0);
                    MemorySegment bytes = staging.asSlice(0, (long) n * columns * width);
                    FloatEncoder.encode(tile, 0, n * columns, dtype, Overflow.NON_SATURATING, bytes);
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
            int stripWidth = stripBlocks * block;
            float[] strip = new float[(int) (rows * stripWidth)];
            float[] transposed = new float[strip.length];
            long width = dtype.bits() / 8;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment staging = arena.allocate(strip.length * width);
                for (long e = 0; e < experts; e++) {
                    for (int b = 0; b < blocks; b += stripBlocks) {
                        int nb = Math.min(stripBlocks, blocks - b);
                        int w = Math.min(nb * block, columns - b * block);
                        k.decode(e * rows, (int) rows, b, nb, strip, 0);
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

    static int tileRows(int columns) {
        return Math.max(1, TILE / columns);
    }
}
