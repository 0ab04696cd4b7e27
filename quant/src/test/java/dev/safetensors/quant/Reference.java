package dev.safetensors.quant;

import java.util.Random;

/**
 * The tests' own scalar reference: random weights, bit packing written as plainly as possible (bit by bit),
 * and the narrow-float values from their definitions, independent of the production kernels and packers.
 */
public final class Reference {
    /** E2M1 values by code (quant/README.md#layouts-read). */
    public static final float[] E2M1 = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f};

    private Reference() {
    }

    public static float[] randomMatrix(long seed, int rows, int columns, float scale) {
        Random r = new Random(seed);
        float[] m = new float[rows * columns];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) (r.nextGaussian() * scale);
        }
        return m;
    }

    /** Values as one LSB-first bit stream: bit j of value i is stream bit i·bits + j. */
    public static int[] denseBits(int[] values, int bits) {
        int[] words = new int[(values.length * bits + 31) / 32];
        for (int i = 0; i < values.length; i++) {
            for (int j = 0; j < bits; j++) {
                if ((values[i] >> j & 1) != 0) {
                    int bit = i * bits + j;
                    words[bit / 32] |= 1 << (bit % 32);
                }
            }
        }
        return words;
    }

    /** Values {@code floor(32 / bits)} to a word, the top bits unused (compressed-tensors before 0.17.0). */
    public static int[] alignedBits(int[] values, int bits) {
        int perWord = 32 / bits;
        int[] words = new int[(values.length + perWord - 1) / perWord];
        for (int i = 0; i < values.length; i++) {
            words[i / perWord] |= values[i] << (bits * (i % perWord));
        }
        return words;
    }

    /** F8_E4M3 (E4M3FN) value of a code, from the definition: bias 7, NaN only at S.1111.111. */
    public static float e4m3(int code) {
        int s = code >> 7 & 1;
        int e = code >> 3 & 0xF;
        int m = code & 7;
        if (e == 15 && m == 7) {
            return Float.NaN;
        }
        double v = e == 0 ? Math.scalb(m / 8.0, -6) : Math.scalb(1 + m / 8.0, e - 7);
        return (float) (s == 1 ? -v : v);
    }

    private static final float[] E4M3_VALUES = new float[256];

    static {
        for (int c = 0; c < 256; c++) {
            E4M3_VALUES[c] = e4m3(c);
        }
    }

    /** The E4M3 code nearest {@code x} (ties to even), by search over the definition; saturating at ±448. */
    public static int e4m3Code(float x) {
        int best = 0;
        double bestError = Double.MAX_VALUE;
        for (int c = 0; c < 256; c++) {
            float v = E4M3_VALUES[c];
            if (Float.isNaN(v)) {
                continue;
            }
            double error = Math.abs((double) v - Math.max(-448, Math.min(448, x)));
            if (error < bestError || (error == bestError && (c & 1) == 0 && v != 0)) {
                best = c;
                bestError = error;
            }
        }
        return best;
    }

    /** The E2M1 code nearest {@code x}, ties to the even code, saturating at ±6. */
    public static int e2m1Code(float x) {
        int best = 0;
        double bestError = Double.MAX_VALUE;
        for (int c = 0; c < 16; c++) {
            double error = Math.abs((double) E2M1[c] - Math.max(-6, Math.min(6, x)));
            boolean tieToEven = error == bestError && (c & 1) == 0;
            if (error < bestError || tieToEven) {
                if (E2M1[c] == 0 && c != (x < 0 ? 8 : 0)) {
                    continue;
                }
                best = c;
                bestError = error;
            }
        }
        return best;
    }

    /** {@code x} rounded to BF16 (nearest, ties to even), as a float: the upper half of its bits. */
    public static float bf16(float x) {
        int u = Float.floatToIntBits(x);
        int upper = u >>> 16;
        int lower = u & 0xFFFF;
        if (lower > 0x8000 || (lower == 0x8000 && (upper & 1) == 1)) {
            upper++;
        }
        return Float.intBitsToFloat(upper << 16);
    }

    /** 2^(e − 127), E8M0. */
    public static float e8m0(int e) {
        return (float) Math.scalb(1.0, e - 127);
    }

    public static float maxAbs(float[] m, int from, int to) {
        float a = 0;
        for (int i = from; i < to; i++) {
            a = Math.max(a, Math.abs(m[i]));
        }
        return a;
    }
}
