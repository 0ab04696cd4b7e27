package dev.safetensors.internal.convert;

import dev.safetensors.convert.Overflow;

import java.util.Arrays;

/**
 * A narrow floating-point format: sign, exponent and mantissa widths, bias and which codes are special
 * (docs/format.md#narrow-floats). Gives every code's value (a lookup table for the decoders) and the scalar
 * round-to-nearest-even encoder that is also the reference for any faster one.
 *
 * <p>Encoding rounds to nearest, ties to the code with an even mantissa, and a value past the largest
 * finite one rounds against an imaginary next step ({@code max + ulp(max)}), as IEEE rounding does. What
 * lands past max follows {@link Overflow}; an infinity is never made finite (Inf where the format has one,
 * else NaN), except in F4 and F6, which have neither and clamp.
 * {@link #encode} does it with bit arithmetic; {@link #encodeReference} by searching the ordered values,
 * and the tests hold the first to the second.
 */
public final class MiniFloat {
    /** F8_E4M3 (PyTorch float8_e4m3fn): bias 7, NaN only at 0x7F/0xFF, no Inf, max 448. */
    public static final MiniFloat E4M3FN = new MiniFloat("F8_E4M3", 4, 3, 7, Special.FN);
    /** F8_E5M2: IEEE-like, bias 15, Inf at 0x7C, max 57344. */
    public static final MiniFloat E5M2 = new MiniFloat("F8_E5M2", 5, 2, 15, Special.IEEE);
    /** F8_E4M3FNUZ: bias 8, single NaN 0x80, no -0, max 240. */
    public static final MiniFloat E4M3FNUZ = new MiniFloat("F8_E4M3FNUZ", 4, 3, 8, Special.FNUZ);
    /** F8_E5M2FNUZ: bias 16, single NaN 0x80, no -0, max 57344. */
    public static final MiniFloat E5M2FNUZ = new MiniFloat("F8_E5M2FNUZ", 5, 2, 16, Special.FNUZ);
    /** F4 (E2M1): bias 1, no specials, max 6. */
    public static final MiniFloat E2M1 = new MiniFloat("F4", 2, 1, 1, Special.NONE);
    /** F6_E2M3: bias 1, no specials, max 7.5. */
    public static final MiniFloat E2M3 = new MiniFloat("F6_E2M3", 2, 3, 1, Special.NONE);
    /** F6_E3M2: bias 3, no specials, max 28. */
    public static final MiniFloat E3M2 = new MiniFloat("F6_E3M2", 3, 2, 3, Special.NONE);

    /** How the all-ones exponent and the sign-only code are used. */
    enum Special {
        /** Every code finite; no NaN, no Inf. */
        NONE,
        /** All-ones exponent: Inf (mantissa 0) or NaN, as IEEE. */
        IEEE,
        /** Only all-ones exponent and mantissa is NaN; no Inf. */
        FN,
        /** The sign-only code (negative zero) is the single NaN; no Inf, no -0. */
        FNUZ
    }

    private final String name;
    private final int bits;
    private final int mantissaBits;
    private final int bias;
    private final Special special;
    private final float[] values;        // value of every code
    private final float[] positives;     // values of codes 0..maxCode, increasing
    private final int maxCode;           // largest positive finite code
    private final float overflowStep;    // max + ulp(max): where rounding leaves the format
    private final float minNormal;
    private final float minSubnormal;

    private MiniFloat(String name, int exponentBits, int mantissaBits, int bias, Special special) {
        this.name = name;
        this.bits = 1 + exponentBits + mantissaBits;
        this.mantissaBits = mantissaBits;
        this.bias = bias;
        this.special = special;
        int codes = 1 << bits;
        int signBit = codes >>> 1;
        values = new float[codes];
        int expMask = (1 << exponentBits) - 1;
        for (int c = 0; c < codes; c++) {
            int e = (c >>> mantissaBits) & expMask;
            int m = c & ((1 << mantissaBits) - 1);
            double magnitude = e == 0
                    ? Math.scalb((double) m, 1 - bias - mantissaBits)
                    : Math.scalb((double) ((1 << mantissaBits) + m), e - bias - mantissaBits);
            float v = (float) ((c & signBit) != 0 ? -magnitude : magnitude);
            if (special == Special.IEEE && e == expMask) {
                v = m == 0 ? ((c & signBit) != 0 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY) : Float.NaN;
            } else if (special == Special.FN && e == expMask && m == (1 << mantissaBits) - 1) {
                v = Float.NaN;
            } else if (special == Special.FNUZ && c == signBit) {
                v = Float.NaN;
            }
            values[c] = v;
        }
        int max = signBit - 1;
        while (!Float.isFinite(values[max])) {
            max--;
        }
        maxCode = max;
        positives = Arrays.copyOf(values, max + 1);
        overflowStep = 2.0f * values[max] - values[max - 1];
        minNormal = values[1 << mantissaBits];
        minSubnormal = values[1];
    }

    /** The dtype's wire name, e.g. {@code F8_E4M3}. */
    public String name() {
        return name;
    }

    /** Width of a code in bits. */
    public int bits() {
        return bits;
    }

    /** The value of {@code code} (its low {@link #bits()} bits). */
    public float decode(int code) {
        return values[code & (values.length - 1)];
    }

    /** A copy of the value of every code: the decoders' lookup table. */
    public float[] table() {
        return values.clone();
    }

    /** The largest finite value. */
    public float max() {
        return positives[maxCode];
    }

    /**
     * Halfway between the largest finite value and the next step past it: magnitudes above it round out of
     * the format, and so does the midpoint itself when {@link #midpointOverflows()}.
     */
    public double overflowMidpoint() {
        return ((double) positives[maxCode] + overflowStep) / 2;
    }

    /** Whether the midpoint rounds out of the format: ties go to the even code, and max's code is odd. */
    public boolean midpointOverflows() {
        return (maxCode & 1) == 1;
    }

    /** Whether the format has ±Inf (F8_E5M2). */
    public boolean hasInfinity() {
        return special == Special.IEEE;
    }

    /** Whether the format has a NaN (all but F4 and F6). */
    public boolean hasNaN() {
        return special != Special.NONE;
    }

    /** The code of {@code x}, rounded to nearest, ties to even: bit arithmetic on the float. */
    public int encode(float x, Overflow overflow) {
        if (Float.isNaN(x)) {
            return finish(x, 0, overflow, true);
        }
        float a = Math.abs(x);
        int code;
        if (a >= overflowStep) {
            code = maxCode + 1;
        } else if (a < minNormal) {
            // Subnormal range: a multiple of the smallest step; Math.rint rounds half to even.
            code = (int) Math.rint(a / minSubnormal);
        } else {
            // Round the float's 23-bit mantissa to the target's width; a carry moves into the exponent.
            int u = Float.floatToRawIntBits(a);
            int shift = 23 - mantissaBits;
            int r = (u + (1 << (shift - 1)) - 1 + ((u >>> shift) & 1)) >>> shift;
            code = r - ((127 - bias) << mantissaBits);
        }
        return finish(x, code, overflow, false);
    }

    /**
     * The same by the definition: a search of the ordered values for the nearest, ties to the even code.
     * Slow and obviously right; the tests hold {@link #encode} to it.
     */
    public int encodeReference(float x, Overflow overflow) {
        if (Float.isNaN(x)) {
            return finish(x, 0, overflow, true);
        }
        double a = Math.abs((double) x);
        if (a >= overflowStep) {
            return finish(x, maxCode + 1, overflow, false);
        }
        int lo = 0;
        int hi = maxCode;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (positives[mid] <= a) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        double above = lo == maxCode ? overflowStep : positives[lo + 1];
        double mid = (positives[lo] + above) / 2;
        int code = a > mid || (a == mid && (lo & 1) == 1) ? lo + 1 : lo;
        return finish(x, code, overflow, false);
    }

    /** Sign, NaN, overflow and the FNUZ zero, given the magnitude's code (maxCode + 1 = overflow). */
    private int finish(float x, int code, Overflow overflow, boolean nan) {
        int sign = (Float.floatToRawIntBits(x) < 0) ? 1 << (bits - 1) : 0;
        if (nan) {
            return nanCode(sign);
        }
        if (code > maxCode) {
            // Saturation clamps finite values only: an infinity stays infinite, or becomes NaN without one.
            if (special == Special.NONE || overflow == Overflow.SATURATE && !Float.isInfinite(x)) {
                return sign | maxCode;
            }
            return special == Special.IEEE ? sign | (maxCode + 1) : nanCode(sign);
        }
        if (code == 0 && special == Special.FNUZ) {
            return 0; // no negative zero
        }
        return sign | code;
    }

    private int nanCode(int sign) {
        return switch (special) {
            case FNUZ -> 1 << (bits - 1);
            case NONE -> 0;
            default -> sign | ((1 << (bits - 1)) - 1);
        };
    }

    @Override
    public String toString() {
        return name;
    }
}
