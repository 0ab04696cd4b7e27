package dev.safetensors.convert;

import dev.safetensors.DType;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.internal.convert.RoundToOdd;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A tensor re-encoded in another floating dtype, streamed in blocks: each block of the source is read (a copy
 * from the mapping, or one positional read), decoded and encoded, so converting a model never holds more
 * than one block of it in memory, whatever the read strategy. Values are rounded once, to nearest even:
 * float64 and 32- and 64-bit integer sources are not rounded to float32 on the way.
 *
 * <pre>{@code
 * writer.add(t.name(), DType.BF16, t.shape(), Conversion.of(t, DType.BF16));   // PyTorch's cast: Inf stays Inf
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

    /** {@code source} in {@code target} with the target's expected overflow ({@link Overflow#defaultFor}). */
    public static TensorData of(Tensor source, DType target) {
        return of(source, target, Overflow.defaultFor(target), SubBytePacking.DEFAULT, new ConversionCounts());
    }

    /** {@code source}'s values in {@code target}, read from {@code source} when the writer asks for them. */
    public static TensorData of(Tensor source, DType target, Overflow overflow, SubBytePacking packing) {
        return of(source, target, overflow, packing, new ConversionCounts());
    }

    /**
     * The same, adding to {@code counts} how many values overflowed, saturated or became NaN as they are
     * written.
     *
     * @throws IllegalArgumentException when {@code target} cannot be encoded, the source dtype cannot be
     *         decoded (C64), or the source is F6 and {@code packing} names no F6 order
     */
    public static TensorData of(Tensor source, DType target, Overflow overflow, SubBytePacking packing,
            ConversionCounts counts) {
        Objects.requireNonNull(overflow, "overflow must be non-null");
        Objects.requireNonNull(counts, "counts must be non-null");
        DType from = source.dtype();
        if (!FloatEncoder.canEncode(target)) {
            throw new IllegalArgumentException("cannot encode floats as " + target);
        }
        if (!FloatDecoder.canDecode(from)) {
            throw new IllegalArgumentException("tensor `" + source.name() + "` is " + from + ", which has no float value");
        }
        if ((from == DType.F6_E2M3 || from == DType.F6_E3M2) && packing.f6() == null) {
            throw new IllegalArgumentException("tensor `" + source.name() + "` is " + from + ": the format does not "
                    + "define how F6 values are packed; name an order with SubBytePacking.withF6(...)");
        }
        boolean wide = isWiderThanFloat(from);
        return sink -> {
            long elements = source.elementCount();
            float[] floats = wide ? null : new float[BLOCK];
            double[] doubles = wide ? new double[BLOCK] : null;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment in = arena.allocate((long) BLOCK * from.bits() / 8, 8);
                MemorySegment out = arena.allocate((long) BLOCK * target.bits() / 8, 8);
                for (long e = 0; e < elements; e += BLOCK) {
                    int n = (int) Math.min(BLOCK, elements - e);
                    MemorySegment block = in.asSlice(0, (long) n * from.bits() / 8);
                    source.copyTo(e * from.bits() / 8, block);
                    MemorySegment encoded = out.asSlice(0, (long) n * target.bits() / 8);
                    if (wide) {
                        decodeWide(from, block, doubles, n);
                        FloatEncoder.encode(doubles, 0, n, target, overflow, encoded, counts);
                    } else {
                        FloatDecoder.decode(from, block, floats, 0, packing);
                        FloatEncoder.encode(floats, 0, n, target, overflow, encoded, counts);
                    }
                    sink.write(encoded);
                }
            }
        };
    }

    /** Sources whose values a float cannot hold exactly: they go through double, rounded once at the end. */
    private static boolean isWiderThanFloat(DType t) {
        return switch (t) {
            case F64, I32, U32, I64, U64 -> true;
            default -> false;
        };
    }

    /** Exact for F64 and 32-bit integers; 64-bit integers round to odd, so the final rounding stays single. */
    private static void decodeWide(DType t, MemorySegment src, double[] out, int n) {
        switch (t) {
            case F64 -> MemorySegment.copy(src, LittleEndian.DOUBLE, 0, out, 0, n);
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = src.get(LittleEndian.INT, 4L * i);
                }
            }
            case U32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = src.get(LittleEndian.INT, 4L * i) & 0xFFFFFFFFL;
                }
            }
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = RoundToOdd.toDouble(src.get(LittleEndian.LONG, 8L * i));
                }
            }
            case U64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = RoundToOdd.toDoubleUnsigned(src.get(LittleEndian.LONG, 8L * i));
                }
            }
            default -> throw new IllegalArgumentException(t + " is not wider than float");
        }
    }
}
