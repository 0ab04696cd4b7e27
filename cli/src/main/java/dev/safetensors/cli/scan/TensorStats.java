package dev.safetensors.cli.scan;

/**
 * Summary statistics of a tensor's values, as NumPy computes them in float64 over the finite values:
 * {@code min}, {@code max}, {@code mean} and {@code std} (population, {@code ddof=0}) are NaN when no value is
 * finite; NaN and the infinities are counted apart.
 *
 * @param count  values in all (elements; components for C64)
 * @param zeros  values equal to zero (either sign)
 * @param nan    NaN values
 * @param posInf +Inf values
 * @param negInf -Inf values
 */
public record TensorStats(long count, double min, double max, double mean, double std, long zeros, long nan,
        long posInf, long negInf) {

    /** Values that are neither NaN nor infinite. */
    public long finite() {
        return count - nan - posInf - negInf;
    }

    /** Zeros among all values; NaN for an empty tensor. */
    public double zeroFraction() {
        return count == 0 ? Double.NaN : (double) zeros / count;
    }
}
