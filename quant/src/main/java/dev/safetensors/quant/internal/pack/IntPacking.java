package dev.safetensors.quant.internal.pack;

/**
 * Packing unsigned {@code bits}-wide values into 32-bit words, value 0 in the lowest bits: the inverse of
 * {@link dev.safetensors.quant.internal.kernel.BitFields}. Dense packing is one bit stream (values straddle
 * words); aligned packing puts {@code 32 / bits} values in each word and leaves the top bits unused.
 */
public final class IntPacking {
    private IntPacking() {
    }

    /**
     * Packs {@code values[from, from + n)} into {@code words} from {@code wordAt}, consecutive words
     * {@code stride} apart (1 along a row, {@code out} down a GPTQ column). The words must start at zero.
     *
     * @throws IllegalArgumentException for a value that does not fit in {@code bits}
     */
    public static void pack(int[] values, int from, int n, int bits, boolean dense, int[] words, int wordAt,
            int stride) {
        int max = (1 << bits) - 1;
        int perWord = 32 / bits;
        for (int i = 0; i < n; i++) {
            int v = values[from + i];
            if (v < 0 || v > max) {
                throw new IllegalArgumentException("value " + v + " at " + i + " does not fit " + bits + " bits");
            }
            if (dense) {
                long bit = (long) i * bits;
                int w = (int) (bit >>> 5);
                int shift = (int) (bit & 31);
                words[wordAt + w * stride] |= v << shift;
                if (shift + bits > 32) {
                    words[wordAt + (w + 1) * stride] |= v >>> (32 - shift);
                }
            } else {
                words[wordAt + (i / perWord) * stride] |= v << ((i % perWord) * bits);
            }
        }
    }

    /** {@code values} as one dense row of words. */
    public static int[] dense(int[] values, int bits) {
        int[] words = new int[(int) ((values.length * (long) bits + 31) / 32)];
        pack(values, 0, values.length, bits, true, words, 0, 1);
        return words;
    }

    /** {@code values} as one word-aligned row ({@code 32 / bits} per word). */
    public static int[] aligned(int[] values, int bits) {
        int perWord = 32 / bits;
        int[] words = new int[(values.length + perWord - 1) / perWord];
        pack(values, 0, values.length, bits, false, words, 0, 1);
        return words;
    }
}
