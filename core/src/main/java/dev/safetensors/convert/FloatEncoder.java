package dev.safetensors.convert;

import dev.safetensors.internal.convert.MiniFloat;
import dev.safetensors.internal.convert.E8M0Codec;
import dev.safetensors.DType;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Bulk encoding of floats into a floating dtype, round-to-nearest-even: F32, F16, BF16, the four F8
 * types and F8_E8M0. {@link Overflow} chooses between saturation and PyTorch's Inf/NaN behaviour.
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
            case F32, F16, BF16, F8_E4M3, F8_E5M2, F8_E4M3FNUZ, F8_E5M2FNUZ, F8_E8M0 -> true;
            default -> false;
        };
    }

    /**
     * Encodes {@code src[from, from + count)} into {@code dst} (which needs count × width bytes).
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
            default -> throw new IllegalArgumentException("cannot encode floats as " + target);
        }
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
