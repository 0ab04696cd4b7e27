package dev.safetensors.quant.internal.layout;

import dev.safetensors.SafeTensorsException;

/** Limits and error constructors shared by the layouts. */
public final class Layouts {
    /**
     * The most input columns a layer may have: decoding works a row at a time, so a row must fit a
     * bounded buffer (16 MiB of floats) whatever a file claims; real layers have at most a few times 10^5.
     */
    public static final int MAX_COLUMNS = 1 << 22;

    private Layouts() {
    }

    public static SafeTensorsException invalid(String source, String detail) {
        return new SafeTensorsException(SafeTensorsException.Kind.InvalidQuantization, source, detail);
    }

    public static SafeTensorsException unsupported(String source, String detail) {
        return new SafeTensorsException(SafeTensorsException.Kind.UnsupportedQuantization, source, detail);
    }

    /** {@code ⌈a / b⌉} for positive {@code b}. */
    public static long ceilDiv(long a, long b) {
        return Math.ceilDiv(a, b);
    }

    /** The product of {@code dims[0, count)}, checked against overflow by the validated header. */
    public static long product(long[] dims, int count) {
        long p = 1;
        for (int i = 0; i < count; i++) {
            p *= dims[i];
        }
        return p;
    }
}
