package dev.safetensors.quant.internal.pack;

/**
 * GPTQ's packing (AutoGPTQ {@code QuantLinear.pack}): codes {@code q[k][o]} along the input dimension into
 * {@code qweight [in × bits / 32, out]}, zero points {@code z[g][o]} along the output dimension into
 * {@code qzeros [G, out × bits / 32]}, both as dense bit streams (3-bit values straddle words); the v1 format
 * stores {@code z − 1}.
 */
public final class GptqPacking {
    private GptqPacking() {
    }

    /** {@code q} is {@code in × out}, row-major ({@code q[k * out + o]}); returns qweight row-major. */
    public static int[] weights(int[] q, int in, int out, int bits) {
        int[] column = new int[in];
        int[] words = new int[in * bits / 32 * out];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) {
                column[k] = q[k * out + o];
            }
            IntPacking.pack(column, 0, in, bits, true, words, o, out);
        }
        return words;
    }

    /** {@code z} is {@code groups × out} true zero points; returns qzeros row-major. */
    public static int[] zeros(int[] z, int groups, int out, int bits, boolean v1) {
        int rowWords = (out * bits + 31) / 32;
        int[] words = new int[groups * rowWords];
        int[] row = new int[out];
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < out; o++) {
                row[o] = (z[g * out + o] - (v1 ? 1 : 0)) & ((1 << bits) - 1);
            }
            IntPacking.pack(row, 0, out, bits, true, words, g * rowWords, 1);
        }
        return words;
    }
}
