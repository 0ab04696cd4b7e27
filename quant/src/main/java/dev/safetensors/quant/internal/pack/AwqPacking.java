package dev.safetensors.quant.internal.pack;

/**
 * AutoAWQ's GEMM packing: eight 4-bit output columns per word in the order {@code 0, 2, 4, 6, 1, 3, 5, 7}
 * (nibble {@code p} holds column {@code 8c + ORDER[p]}), for {@code qweight} and {@code qzeros} alike.
 */
public final class AwqPacking {
    /** The column held by each nibble of a word. */
    public static final int[] ORDER = {0, 2, 4, 6, 1, 3, 5, 7};

    private AwqPacking() {
    }

    /** {@code values} is {@code rows × out} (out a multiple of 8), row-major; returns {@code rows × out / 8} words. */
    public static int[] pack(int[] values, int rows, int out) {
        int wordColumns = out / 8;
        int[] words = new int[rows * wordColumns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < wordColumns; c++) {
                int w = 0;
                for (int p = 0; p < 8; p++) {
                    int v = values[r * out + 8 * c + ORDER[p]];
                    if (v < 0 || v > 15) {
                        throw new IllegalArgumentException("value " + v + " does not fit 4 bits");
                    }
                    w |= v << (4 * p);
                }
                words[r * wordColumns + c] = w;
            }
        }
        return words;
    }
}
