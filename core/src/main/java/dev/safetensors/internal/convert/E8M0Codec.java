package dev.safetensors.internal.convert;

/**
 * F8_E8M0, the MX block scale: eight exponent bits, value 2^(e − 127), 0xFF = NaN; no sign, zero or Inf
 * (docs/format.md#narrow-floats).
 */
public final class E8M0Codec {
    private E8M0Codec() {
    }

    /** 2^(code − 127), NaN for 0xFF. */
    public static float decode(int code) {
        int e = code & 0xFF;
        if (e == 0xFF) {
            return Float.NaN;
        }
        return e == 0 ? Float.intBitsToFloat(0x00400000) : Float.intBitsToFloat(e << 23);
    }

    /**
     * The nearest power of two, halfway cases rounding up (ml_dtypes: 3.0 → 4.0, 1.5 → 2.0, 0.75 → 1.0);
     * zero, negatives, NaN and Inf give 0xFF; out-of-range magnitudes clamp to 2^−127 and 2^127.
     */
    public static int encode(float x) {
        if (!(x > 0) || Float.isInfinite(x)) {
            return 0xFF;
        }
        int e = Math.getExponent(x);
        double fraction = x / Math.scalb(1.0, e);   // [1, 2) for normals; exact
        if (e < Float.MIN_EXPONENT) {                 // subnormal float: value < 2^-126
            return x >= 0x1.8p-127f ? 1 : 0;
        }
        if (fraction >= 1.5) {
            e++;
        }
        return Math.max(0, Math.min(254, e + 127));
    }

    public static float[] table() {
        float[] t = new float[256];
        for (int c = 0; c < 256; c++) {
            t[c] = decode(c);
        }
        return t;
    }
}
