package dev.safetensors.convert;

import dev.safetensors.internal.convert.MiniFloat;
import dev.safetensors.internal.convert.E8M0Codec;
import dev.safetensors.DType;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Bulk encoding of floats into a floating dtype, round-to-nearest-even: F32, F16, BF16, the four F8
 * types, F8_E8M0 and F4 (E2M1, two per byte, element 0 in the low nibble as PyTorch packs it). {@link Overflow}
 * chooses between saturation and PyTorch's Inf/NaN behaviour; F4, which has neither, always saturates at ±6.
 *
 * <pre>{@code
 * MemorySegment out = arena.allocate(values.length);
 * FloatEncoder.encode(values, 0, values.length, DType.F8_E4M3, Overflow.SATURATE, out);
 * }</pre>
 */
public final class FloatEncoder {

    private FloatEncoder() {
    }

    /** Whether {@link #encode} can produce this dtype. */
    public static boolean canEncode(DType t) {
        return switch (t) {
            case F32, F16, BF16, F8_E4M3, F8_E5M2, F8_E4M3FNUZ, F8_E5M2FNUZ, F8_E8M0, F4 -> true;
            default -> false;
        };
    }

    /**
     * Encodes {@code src[from, from + count)} into {@code dst} (which needs count × width bytes; for F4,
     * ⌈count / 2⌉ bytes, an odd last element leaving the high nibble 0).
     *
     * @throws IllegalArgumentException for a dtype {@link #canEncode} rejects
     */
    public static void encode(float[] src, int from, int count, DType target, Overflow overflow, MemorySegment dst) {
        switch (target) {
            case F32 -> MemorySegment.copy(src, from, dst, LittleEndian.FLOAT, 0, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(LittleEndian.SHORT, 2L * i, toF16(src[from + i], overflow));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(LittleEndian.SHORT, 2L * i, toBF16(src[from + i], overflow));
                }
            }
            case F8_E4M3 -> minifloat(src, from, count, MiniFloat.E4M3FN, overflow, dst);
            case F8_E5M2 -> minifloat(src, from, count, MiniFloat.E5M2, overflow, dst);
            case F8_E4M3FNUZ -> minifloat(src, from, count, MiniFloat.E4M3FNUZ, overflow, dst);
            case F8_E5M2FNUZ -> minifloat(src, from, count, MiniFloat.E5M2FNUZ, overflow, dst);
            case F8_E8M0 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(ValueLayout.JAVA_BYTE, i, (byte) E8M0Codec.encode(src[from + i]));
                }
            }
            case F4 -> {
                for (int i = 0; i < count; i += 2) {
                    int low = toF4(src[from + i]);
                    int high = i + 1 < count ? toF4(src[from + i + 1]) : 0;
                    dst.set(ValueLayout.JAVA_BYTE, i / 2, (byte) (low | high << 4));
                }
            }
            default -> throw new IllegalArgumentException("cannot encode floats as " + target);
        }
    }

    /**
     * The E2M1 (F4) code of {@code x}, 0 to 15: round to nearest, ties to even, saturating at ±6 (OCP MX; the
     * same table as compressed-tensors' {@code cast_to_fp4}); NaN, which F4 cannot hold, gives +0.
     */
    public static int toF4(float x) {
        return MiniFloat.E2M1.encode(x, Overflow.SATURATE);
    }

    /**
     * The code of {@code x} in one of the one-byte float types F8_E4M3, F8_E5M2, F8_E4M3FNUZ, F8_E5M2FNUZ:
     * the scalar form of {@link #encode}, for quantizers that encode a scale at a time.
     *
     * @throws IllegalArgumentException for any other dtype
     */
    public static int toF8(float x, DType type, Overflow overflow) {
        MiniFloat f = switch (type) {
            case F8_E4M3 -> MiniFloat.E4M3FN;
            case F8_E5M2 -> MiniFloat.E5M2;
            case F8_E4M3FNUZ -> MiniFloat.E4M3FNUZ;
            case F8_E5M2FNUZ -> MiniFloat.E5M2FNUZ;
            default -> throw new IllegalArgumentException(type + " is not a one-byte float type");
        };
        return f.encode(x, overflow);
    }

    /** IEEE binary16, round-to-nearest-even (the JDK's intrinsic); saturating mode clamps to ±65504. */
    public static short toF16(float x, Overflow overflow) {
        short h = Float.floatToFloat16(x);
        if (overflow == Overflow.SATURATE && (h & 0x7FFF) == 0x7C00) {
            return (short) ((h & 0x8000) | 0x7BFF);
        }
        return h;
    }

    /** bfloat16, round-to-nearest-even with PyTorch's NaN guard (NaN → 0x7FC0); saturating clamps to ±max. */
    public static short toBF16(float x, Overflow overflow) {
        int u = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) {
            return (short) 0x7FC0;
        }
        int h = (u + 0x7FFF + ((u >>> 16) & 1)) >>> 16;
        if (overflow == Overflow.SATURATE && (h & 0x7FFF) == 0x7F80) {
            h = (h & 0x8000) | 0x7F7F;
        }
        return (short) h;
    }

    private static void minifloat(float[] src, int from, int count, MiniFloat f, Overflow o, MemorySegment dst) {
        for (int i = 0; i < count; i++) {
            dst.set(ValueLayout.JAVA_BYTE, i, (byte) f.encode(src[from + i], o));
        }
    }
}
