package dev.safetensors.internal.json;

import java.math.BigInteger;

/**
 * A JSON number exactly as written ({@code 4}, {@code 1e20}, {@code 0.10}), for documents that are read and
 * written back, such as an index: converting to a double and printing it again would turn {@code 1e20} into
 * {@code 1.0E20} and round long decimals. The text was validated when it was read.
 *
 * <pre>{@code
 * new JsonNumber("1e20", false).toPlain();   // 1.0E20 (a Double)
 * }</pre>
 *
 * @param text     the number's characters in the document
 * @param integral true when it has neither a fraction nor an exponent
 */
public record JsonNumber(String text, boolean integral) {

    /** The value as the plain readers give it: Long, BigInteger past 64 bits, or Double. */
    public Object toPlain() {
        if (integral) {
            BigInteger v = new BigInteger(text);
            return v.bitLength() < 64 ? (Object) v.longValue() : v;
        }
        return Double.parseDouble(text);
    }

    @Override
    public String toString() {
        return text;
    }
}
