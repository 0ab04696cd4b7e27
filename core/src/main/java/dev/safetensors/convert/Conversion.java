package dev.safetensors.convert;

import dev.safetensors.ByteSink;
import dev.safetensors.DType;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A tensor re-encoded in another floating dtype, streamed in blocks (decode to float, encode to the
 * target), so converting a model never holds more than one block of it in memory.
 *
 * <pre>{@code
 * writer.add(t.name(), DType.BF16, t.shape(), Conversion.of(t, DType.BF16, Overflow.SATURATE));
 * }</pre>
 */
public final class Conversion {
    private static final int BLOCK = 1 << 16;   // elements per block: a multiple of 4 (F4 pairs, F6 quads)

    private Conversion() {
    }

    /** Whether values of this dtype can be decoded to float and re-encoded (every float dtype but C64). */
    public static boolean isFloating(DType t) {
        return switch (t) {
            case F4, F6_E2M3, F6_E3M2, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, F16, BF16, F32, F64 -> true;
            default -> false;
        };
    }

    /** {@code source}'s values in {@code target}, read from {@code source} when the writer asks for them. */
    public static TensorData of(Tensor source, DType target, Overflow overflow, SubBytePacking packing) {
        if (!FloatEncoder.canEncode(target)) {
            throw new IllegalArgumentException("cannot encode floats as " + target);
        }
        DType from = source.dtype();
        return sink -> {
            MemorySegment bytes = source.data();
            long elements = source.elementCount();
            Blocks blocks = new Blocks(from, target, overflow, packing);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate((long) BLOCK * target.bits() / 8);
                for (long e = 0; e < elements; e += BLOCK) {
                    int n = (int) Math.min(BLOCK, elements - e);
                    blocks.encode(bytes.asSlice(e * from.bits() / 8, (long) n * from.bits() / 8), n, out, sink);
                }
            }
        };
    }

    /**
     * Values of dtype {@code from} that {@code source} streams (a tensor of another format, say), re-encoded in
     * {@code target} block by block as the writer pulls them: nothing is held but one block.
     *
     * <pre>{@code
     * writer.add(name, DType.BF16, shape, Conversion.of(DType.F32, importedTensorData, DType.BF16, Overflow.SATURATE,
     *         SubBytePacking.DEFAULT));
     * }</pre>
     */
    public static TensorData of(DType from, TensorData source, DType target, Overflow overflow, SubBytePacking packing) {
        if (!FloatEncoder.canEncode(target)) {
            throw new IllegalArgumentException("cannot encode floats as " + target);
        }
        return sink -> {
            Blocks blocks = new Blocks(from, target, overflow, packing);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment pending = arena.allocate((long) BLOCK * from.bits() / 8);
                MemorySegment out = arena.allocate((long) BLOCK * target.bits() / 8);
                long[] filled = {0};
                source.writeTo(bytes -> {
                    for (long off = 0; off < bytes.byteSize(); ) {
                        long n = Math.min(bytes.byteSize() - off, pending.byteSize() - filled[0]);
                        MemorySegment.copy(bytes, off, pending, filled[0], n);
                        filled[0] += n;
                        off += n;
                        if (filled[0] == pending.byteSize()) {
                            blocks.encode(pending, BLOCK, out, sink);
                            filled[0] = 0;
                        }
                    }
                });
                if (filled[0] > 0) {
                    blocks.encode(pending.asSlice(0, filled[0]), (int) (filled[0] * 8 / from.bits()), out, sink);
                }
            }
        };
    }

    /** Decodes one block to float and encodes it in the target: the one loop both conversions share. */
    private static final class Blocks {
        private final DType from;
        private final DType target;
        private final Overflow overflow;
        private final SubBytePacking packing;
        private final float[] values = new float[BLOCK];

        Blocks(DType from, DType target, Overflow overflow, SubBytePacking packing) {
            this.from = from;
            this.target = target;
            this.overflow = overflow;
            this.packing = packing;
        }

        void encode(MemorySegment in, int n, MemorySegment out, ByteSink sink) throws IOException {
            FloatDecoder.decode(from, in, values, 0, packing);
            MemorySegment encoded = out.asSlice(0, (long) n * target.bits() / 8);
            FloatEncoder.encode(values, 0, n, target, overflow, encoded);
            sink.write(encoded);
        }
    }
}
