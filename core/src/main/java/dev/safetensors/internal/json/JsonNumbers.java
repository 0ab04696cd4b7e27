package dev.safetensors.internal.json;

/**
 * serde_json's range rule for numbers it does not keep: every number in a header is decoded (the reference
 * buffers whole entries, unknown fields included, before it looks at them), and one whose magnitude rounds
 * past the largest double is "number out of range". Integers beyond 64 bits are read as doubles, so
 * {@code 1} followed by 309 zeros fails too, while one followed by 308 zeros passes. Underflow is not an
 * error: {@code 1e-400} is 0.
 *
 * <p>Decided from the decimal exponent without converting the digits, so a 10^6-digit number costs one pass.
 * Only a number within a factor of ten of the limit is converted, from its first 800 significant digits:
 * exactly at the boundary (e.g. {@code 1.7976931348623158e308}) serde_json versions disagree with each other,
 * and this follows Java's correctly rounded {@link Double#parseDouble} (docs/format.md#differences).
 */
final class JsonNumbers {
    private static final int KEPT_DIGITS = 800;
    /** Exponents are saturated here: far beyond every finite or non-zero double, and no long overflow. */
    private static final long EXPONENT_CAP = 1L << 40;

    private JsonNumbers() {
    }

    /** Whether the number {@code b[start, end)}, already valid JSON, is a finite double. */
    static boolean fitsDouble(byte[] b, int start, int end) {
        int i = b[start] == '-' ? start + 1 : start;
        int intStart = i;
        while (i < end && isDigit(b[i])) {
            i++;
        }
        int intEnd = i;
        int fracStart = i;
        int fracEnd = i;
        if (i < end && b[i] == '.') {
            fracStart = ++i;
            while (i < end && isDigit(b[i])) {
                i++;
            }
            fracEnd = i;
        }
        long exponent = 0;
        if (i < end && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            boolean negative = b[i] == '-';
            if (b[i] == '-' || b[i] == '+') {
                i++;
            }
            while (i < end) {
                exponent = Math.min(EXPONENT_CAP, exponent * 10 + (b[i++] - '0'));
            }
            exponent = negative ? -exponent : exponent;
        }
        // The first significant digit: the integer part has no leading zeros, the fraction may.
        int first;
        long decimalExponent;
        if (b[intStart] != '0') {
            first = intStart;
            decimalExponent = (intEnd - intStart - 1) + exponent;
        } else {
            first = fracStart;
            while (first < fracEnd && b[first] == '0') {
                first++;
            }
            if (first == fracEnd) {
                return true;   // zero, whatever the exponent
            }
            decimalExponent = -(first - fracStart + 1) + exponent;
        }
        if (decimalExponent != 308) {
            return decimalExponent < 308;
        }
        StringBuilder digits = new StringBuilder(KEPT_DIGITS + 8);
        for (int k = first; k < fracEnd && digits.length() < KEPT_DIGITS; k++) {
            if (isDigit(b[k])) {
                digits.append((char) b[k]);
                if (digits.length() == 1) {
                    digits.append('.');
                }
            }
        }
        return !Double.isInfinite(Double.parseDouble(digits.append("e308").toString()));
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }
}
