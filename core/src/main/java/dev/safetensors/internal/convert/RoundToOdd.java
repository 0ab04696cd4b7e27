package dev.safetensors.internal.convert;

/**
 * Narrowing that rounds to odd: an exact value stays, an inexact one takes whichever neighbour has an odd last
 * bit. Rounding to odd first and then to nearest-even in a format at least two bits narrower gives the same
 * result as rounding the original value once (Boldo and Melquiond, "Emulation of FMA and correctly rounded
 * sums: proved algorithms using rounding to odd", 2008). So a float64 or int64 value reaches F16, BF16 or FP8
 * through the float encoders without the double rounding of a plain {@code (float)} cast, which takes
 * 65519.99999999999 to 65520 and then, as a tie, to Inf.
 */
public final class RoundToOdd {
    private RoundToOdd() {
    }

    /**
     * {@code d} as a float, rounded to odd. Finite values past the float range give ±{@code Float.MAX_VALUE}
     * (whose last bit is odd), so they still overflow every narrower format; ±Inf and NaN stay.
     */
    public static float toFloat(double d) {
        float f = (float) d;
        if ((double) f == d || Float.isNaN(f)) {
            return f;
        }
        if (Float.isInfinite(f)) {
            return Math.copySign(Float.MAX_VALUE, f);
        }
        if ((Float.floatToRawIntBits(f) & 1) == 1) {
            return f;
        }
        return (double) f > d ? Math.nextDown(f) : Math.nextUp(f);
    }

    /** {@code v} as a double, rounded to odd. */
    public static double toDouble(long v) {
        double d = v;
        boolean above = d == 0x1p63 || (long) d > v;   // (long) d is exact below 2^63
        if (!above && (long) d == v) {
            return d;
        }
        if ((Double.doubleToRawLongBits(d) & 1) == 1) {
            return d;
        }
        return above ? Math.nextDown(d) : Math.nextUp(d);
    }

    /** The unsigned 64-bit {@code v} as a double, rounded to odd. */
    public static double toDoubleUnsigned(long v) {
        if (v >= 0) {
            return toDouble(v);
        }
        // Halve with the lost bit kept sticky: the halved value is inexact exactly when v is.
        return toDouble((v >>> 1) | (v & 1)) * 2.0;
    }
}
