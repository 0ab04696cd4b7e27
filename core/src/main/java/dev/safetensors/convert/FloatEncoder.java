package dev.safetensors.convert;

import dev.safetensors.DType;
import dev.safetensors.internal.convert.E8M0Codec;
import dev.safetensors.internal.convert.MiniFloat;
import dev.safetensors.internal.convert.RoundToOdd;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Bulk encoding of floats into a floating dtype, round-to-nearest-even: F32, F16, BF16, the four F8 types,
 * F8_E8M0 and F4 (E2M1, two per byte, element 0 in the low nibble as PyTorch packs it). {@link Overflow}
 * chooses what happens past the target's largest finite value ({@link Overflow#defaultFor} gives PyTorch's
 * and NumPy's cast); NaN stays NaN and an infinity never becomes finite; F4, which has neither, always
 * saturates at ±6. Float64 values are rounded once, from the double, as NumPy does.
 *
 * <pre>{@code
 * MemorySegment out = arena.allocate(2L * values.length);
 * ConversionCounts counts = new ConversionCounts();
 * FloatEncoder.encode(values, 0, values.length, DType.F16, Overflow.defaultFor(DType.F16), out, counts);
 * }</pre>
 */
public final class FloatEncoder {
    private static final double F16_MIDPOINT = 65520.0;                        // 65504 + ulp/2
    private static final double BF16_MIDPOINT = 0x1.ffp127;                    // 0x7F7F + ulp/2
    private static final double F32_MIDPOINT = (double) Float.MAX_VALUE + 0x1p103;
    private static final double E8M0_MIDPOINT = 0x1.8p127;                     // rounds up to 2^128

    private FloatEncoder() {
    }

    /**
     * {@return whether {@link #encode} can produce this dtype}
     *
     * @param t a dtype
     */
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
     * @param src      the values
     * @param from     the first value to encode in {@code src}
     * @param count    how many values to encode
     * @param target   the dtype to write
     * @param overflow what values beyond the target's range become
     * @param dst      where the encoded elements go, little-endian, from its first byte
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
     * {@return the E2M1 (F4) code of {@code x}, 0 to 15: round to nearest, ties to even, saturating at ±6 (OCP MX;
     * the same table as compressed-tensors' {@code cast_to_fp4}); NaN, which F4 cannot hold, gives +0}
     *
     * @param x the value
     */
    public static int toF4(float x) {
        return MiniFloat.E2M1.encode(x, Overflow.SATURATE);
    }

    /**
     * {@return the code of {@code x} in one of the one-byte float types F8_E4M3, F8_E5M2, F8_E4M3FNUZ, F8_E5M2FNUZ:
     * the scalar form of {@link #encode}, for quantizers that encode a scale at a time}
     *
     * @param x        the value
     * @param type     F8_E4M3, F8_E5M2, F8_E4M3FNUZ or F8_E5M2FNUZ
     * @param overflow what values beyond the type's range become
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

    /**
     * Encodes {@code src[from, from + count)} into {@code dst}, adding to {@code counts} the values that
     * overflowed, saturated or became NaN.
     *
     * @param src      the values
     * @param from     the first value to encode in {@code src}
     * @param count    how many values to encode
     * @param target   the dtype to write
     * @param overflow what values beyond the target's range become
     * @param dst      where the encoded elements go, little-endian, from its first byte
     * @param counts   added to for the values encoded
     * @throws IllegalArgumentException for a dtype {@link #canEncode} rejects
     */
    public static void encode(float[] src, int from, int count, DType target, Overflow overflow, MemorySegment dst,
            ConversionCounts counts) {
        encode(src, from, count, target, overflow, dst);
        Limits limits = Limits.of(target, overflow);
        long[] tally = new long[3];
        for (int i = 0; i < count; i++) {
            limits.count(src[from + i], tally);
        }
        counts.add(count, tally[0], tally[1], tally[2]);
    }

    /**
     * Encodes float64 values, rounded once from the double (as NumPy's {@code astype}), not through float32
     * first.
     *
     * @param src      the values
     * @param from     the first value to encode in {@code src}
     * @param count    how many values to encode
     * @param target   the dtype to write
     * @param overflow what values beyond the target's range become
     * @param dst      where the encoded elements go, little-endian, from its first byte
     * @param counts   added to for the values encoded
     * @throws IllegalArgumentException for a dtype {@link #canEncode} rejects
     */
    public static void encode(double[] src, int from, int count, DType target, Overflow overflow, MemorySegment dst,
            ConversionCounts counts) {
        if (!canEncode(target)) {
            throw new IllegalArgumentException("cannot encode floats as " + target);
        }
        if (target == DType.F32) {
            for (int i = 0; i < count; i++) {
                double d = src[from + i];
                float f = (float) d;
                if (overflow == Overflow.SATURATE && Float.isInfinite(f) && !Double.isInfinite(d)) {
                    f = Math.copySign(Float.MAX_VALUE, f);
                }
                dst.set(LittleEndian.FLOAT, 4L * i, f);
            }
        } else {
            // Rounding to odd keeps what a second rounding to this narrower target needs to be exact.
            float[] narrowed = new float[count];
            for (int i = 0; i < count; i++) {
                narrowed[i] = RoundToOdd.toFloat(src[from + i]);
            }
            encode(narrowed, 0, count, target, overflow, dst);
        }
        Limits limits = Limits.of(target, overflow);
        long[] tally = new long[3];
        for (int i = 0; i < count; i++) {
            limits.count(src[from + i], tally);
        }
        counts.add(count, tally[0], tally[1], tally[2]);
    }

    /**
     * {@return IEEE binary16, round-to-nearest-even (the JDK's intrinsic); saturating mode clamps finite overflow to
     * ±65504, and ±Inf stays ±Inf in both modes}
     *
     * @param x        the value
     * @param overflow whether finite values beyond ±65504 clamp or become infinite
     */
    public static short toF16(float x, Overflow overflow) {
        short h = Float.floatToFloat16(x);
        if (overflow == Overflow.SATURATE && (h & 0x7FFF) == 0x7C00 && !Float.isInfinite(x)) {
            return (short) ((h & 0x8000) | 0x7BFF);
        }
        return h;
    }

    /**
     * {@return bfloat16, round-to-nearest-even with PyTorch's NaN guard (NaN → 0x7FC0); saturating mode clamps finite
     * overflow to ±max, and ±Inf stays ±Inf in both modes}
     *
     * @param x        the value
     * @param overflow whether finite values beyond the largest bfloat16 clamp or become infinite
     */
    public static short toBF16(float x, Overflow overflow) {
        int u = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) {
            return (short) 0x7FC0;
        }
        int h = (u + 0x7FFF + ((u >>> 16) & 1)) >>> 16;
        if (overflow == Overflow.SATURATE && (h & 0x7FFF) == 0x7F80 && !Float.isInfinite(x)) {
            h = (h & 0x8000) | 0x7F7F;
        }
        return (short) h;
    }

    private static void minifloat(float[] src, int from, int count, MiniFloat f, Overflow o, MemorySegment dst) {
        for (int i = 0; i < count; i++) {
            dst.set(ValueLayout.JAVA_BYTE, i, (byte) f.encode(src[from + i], o));
        }
    }

    /** What becomes of a value past a target's range. */
    private enum Outcome {
        /** ±Inf: counted as overflowed. */
        INFINITY,
        /** ±max: counted as saturated. */
        MAX,
        /** NaN: counted as became NaN. */
        NAN,
        /** Unchanged (an infinity kept): not counted. */
        KEPT
    }

    /**
     * A target's range as the counts see it: where rounding leaves the format and what overflow and an
     * infinity become there. The encoders above decide; the tests hold these counts to their outputs.
     *
     * @param midpoint       halfway between max and the next step past it
     * @param tieOverflows   whether the midpoint itself rounds out (max's code is odd)
     * @param overflow       what finite overflow becomes
     * @param infinity       what an infinite input becomes
     * @param nonPositiveNaN zero and negatives become NaN (F8_E8M0)
     */
    private record Limits(double midpoint, boolean tieOverflows, Outcome overflow, Outcome infinity,
            boolean nonPositiveNaN) {

        static Limits of(DType target, Overflow mode) {
            boolean saturate = mode == Overflow.SATURATE;
            Outcome ieee = saturate ? Outcome.MAX : Outcome.INFINITY;
            return switch (target) {
                case F32 -> new Limits(F32_MIDPOINT, true, ieee, Outcome.KEPT, false);
                case F16 -> new Limits(F16_MIDPOINT, true, ieee, Outcome.KEPT, false);
                case BF16 -> new Limits(BF16_MIDPOINT, true, ieee, Outcome.KEPT, false);
                case F8_E4M3 -> of(MiniFloat.E4M3FN, saturate);
                case F8_E5M2 -> of(MiniFloat.E5M2, saturate);
                case F8_E4M3FNUZ -> of(MiniFloat.E4M3FNUZ, saturate);
                case F8_E5M2FNUZ -> of(MiniFloat.E5M2FNUZ, saturate);
                case F8_E8M0 -> new Limits(E8M0_MIDPOINT, true, Outcome.MAX, Outcome.NAN, true);
                case F4 -> of(MiniFloat.E2M1, true);
                default -> throw new IllegalArgumentException("cannot encode floats as " + target);
            };
        }

        private static Limits of(MiniFloat f, boolean saturate) {
            Outcome beyond = !f.hasNaN() || saturate ? Outcome.MAX : f.hasInfinity() ? Outcome.INFINITY : Outcome.NAN;
            Outcome infinity = f.hasInfinity() ? Outcome.KEPT : f.hasNaN() ? Outcome.NAN : Outcome.MAX;
            return new Limits(f.overflowMidpoint(), f.midpointOverflows(), beyond, infinity, false);
        }

        /** Adds {@code x}'s fate to {@code tally}: [overflowed, saturated, became NaN]. */
        void count(double x, long[] tally) {
            if (Double.isNaN(x)) {
                return;
            }
            Outcome o;
            double a = Math.abs(x);
            if (nonPositiveNaN && !(x > 0)) {
                o = Outcome.NAN;
            } else if (Double.isInfinite(a)) {
                o = infinity;
            } else if (a > midpoint || a == midpoint && tieOverflows) {
                o = overflow;
            } else {
                return;
            }
            switch (o) {
                case INFINITY -> tally[0]++;
                case MAX -> tally[1]++;
                case NAN -> tally[2]++;
                case KEPT -> { }
            }
        }
    }
}
