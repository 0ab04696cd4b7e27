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

    /**
     * The block (or group) length that cuts {@code n} into {@code blocks} blocks, the last possibly partial, when
     * only the count is known: a power of two when one does, as every producer's blocks and groups are
     * (DeepSeek's 128, groups of 32 to 128), so 300 rows in 3 blocks are blocks of 128 with a 44-row edge and
     * 2880 inputs in 23 groups are groups of 128, not of 100 and 126; else {@code ⌈n / blocks⌉}.
     */
    public static long blockLength(long n, long blocks) {
        long even = ceilDiv(n, blocks);
        long power = Long.highestOneBit(even) == even ? even : Long.highestOneBit(even) << 1;
        return ceilDiv(n, power) == blocks ? power : even;
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
