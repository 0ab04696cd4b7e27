package dev.safetensors.convert;

import dev.safetensors.DType;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
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
            float[] values = new float[BLOCK];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate((long) BLOCK * target.bits() / 8);
                for (long e = 0; e < elements; e += BLOCK) {
                    int n = (int) Math.min(BLOCK, elements - e);
                    MemorySegment in = bytes.asSlice(e * from.bits() / 8, (long) n * from.bits() / 8);
                    FloatDecoder.decode(from, in, values, 0, packing);
                    MemorySegment encoded = out.asSlice(0, (long) n * target.bits() / 8);
                    FloatEncoder.encode(values, 0, n, target, overflow, encoded);
                    sink.write(encoded);
                }
            }
        };
    }
}
