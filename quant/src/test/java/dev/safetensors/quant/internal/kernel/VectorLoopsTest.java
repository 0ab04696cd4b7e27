package dev.safetensors.quant.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The vector loops give exactly the scalar loops' floats: every E4M3 and E2M1 code, nibbles of random words,
 * and BF16 rounding over ties, NaN, infinities and subnormals (the test run adds the vector module; the
 * scalar-loops execution runs the scheme tests without it).
 */
class VectorLoopsTest {
    private static final Random RANDOM = new Random(3);

    @Test
    void theVectorModuleIsInUse() {
        assertThat(Simd.ENABLED).as("run with --add-modules jdk.incubator.vector, as the quant pom does").isTrue();
    }

    @Test
    void e4m3EveryCodeAndScale() {
        float[] table = Codebook.bytes(DType.F8_E4M3);
        byte[] codes = new byte[259];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) i;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f32 = arena.allocate(4L * (codes.length + 3));
            MemorySegment bf16 = arena.allocate(2L * (codes.length + 3));
            for (float scale : new float[] {1f, 0.015625f, 3.3e-5f, 1e-30f, 7.5e3f, 1e30f, -0.5f}) {
                // from 2, so both the eight-lane loop and the scalar tail run, into element 3 onwards
                VectorLoops.e4m3Store(codes, 2, codes.length, scale, table, true, f32, 3);
                VectorLoops.e4m3Store(codes, 2, codes.length, scale, table, false, bf16, 3);
                for (int c = 2; c < codes.length; c++) {
                    float expected = table[codes[c] & 0xFF] * scale;
                    // floatToIntBits: NaN codes must give NaN (any NaN), every other code the same bits.
                    assertThat(Float.floatToIntBits(f32.get(LittleEndian.FLOAT, 4L * (c + 1))))
                            .as("code %02x × %s", c & 0xFF, scale).isEqualTo(Float.floatToIntBits(expected));
                    assertThat(bf16.get(LittleEndian.SHORT, 2L * (c + 1))).as("BF16 of code %02x × %s", c & 0xFF, scale)
                            .isEqualTo(FloatEncoder.toBF16(expected, Overflow.NON_SATURATING));
                }
            }
        }
    }

    /**
     * The sixteen-code BF16 loop: every code, in ranges with and without NaN codes (the loop that skips the NaN
     * tests, and the rewrite of a range that had one), with scales whose product with 2^120 overflows, from odd
     * offsets so that the scalar tail runs too.
     */
    @Test
    void e4m3Bf16WithAndWithoutNanCodes() {
        float[] table = Codebook.bytes(DType.F8_E4M3);
        byte[] every = new byte[256 + 37];
        byte[] nanFree = new byte[256 + 37];
        for (int i = 0; i < every.length; i++) {
            every[i] = (byte) i;
            nanFree[i] = (byte) ((i | 0x80) == 0xFF ? i - 1 : i);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bf16 = arena.allocate(2L * (every.length + 5));
            for (float scale : new float[] {1f, 0.00390625f, 3.3e-5f, 1e-30f, Float.MIN_VALUE, 255.9f, 256f, 7.5e3f,
                    1e30f, -0.5f, -0f, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NaN}) {
                for (byte[] codes : new byte[][] {every, nanFree}) {
                    VectorLoops.e4m3Bf16(codes, 3, codes.length, scale, table, bf16, 5);
                    for (int c = 3; c < codes.length; c++) {
                        float expected = table[codes[c] & 0xFF] * scale;
                        assertThat(bf16.get(LittleEndian.SHORT, 2L * (c + 2)))
                                .as("BF16 of code %02x × %s", codes[c] & 0xFF, scale)
                                .isEqualTo(FloatEncoder.toBF16(expected, Overflow.NON_SATURATING));
                    }
                }
            }
        }
    }

    /**
     * The byte-shuffle loop over split tables: every code, from odd offsets, in ranges with and without NaN codes;
     * it stops at the tail or at the first run of sixteen that holds a NaN code, and what it wrote before is the
     * BF16 of each code's product.
     */
    @Test
    void e4m3SplitBf16StopsAtNanRuns() {
        float[] table = Codebook.bytes(DType.F8_E4M3);
        byte[] nanFree = new byte[256 + 37];
        for (int i = 0; i < nanFree.length; i++) {
            byte code = (byte) (i * 7 + 1);     // every code once in 256
            nanFree[i] = (byte) ((code & 0x7F) == 0x7F ? code - 1 : code);
        }
        byte[] withNans = nanFree.clone();
        withNans[90] = 0x7F;                    // in the sixth run from offset 3
        withNans[200] = (byte) 0xFF;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bf16 = arena.allocate(2L * (nanFree.length + 5));
            for (float scale : new float[] {1f, 0.00390625f, 3.3e-5f, 1.7e-3f, 1e-30f, 255.9f, 7.5e3f, 1e30f, -0.37f}) {
                byte[] low = new byte[E4m3Split.SIZE + 2];
                byte[] high = new byte[E4m3Split.SIZE + 2];
                assertThat(E4m3Split.split(table, scale, low, high, 2)).isTrue();
                for (byte[] codes : new byte[][] {withNans, nanFree}) {
                    int firstNan = 3;
                    while (firstNan < codes.length && (codes[firstNan] & 0x7F) != 0x7F) {
                        firstNan++;
                    }
                    bf16.fill((byte) 0x55);
                    int stop = VectorLoops.e4m3SplitBf16(codes, 3, codes.length, low, high, 2, bf16, 5);
                    int runs = Math.min(codes.length - 3, firstNan - 3) / 16;
                    assertThat(stop).as("scale %s", scale).isEqualTo(3 + 16 * runs);
                    for (int c = 3; c < codes.length; c++) {
                        short expected = c < stop
                                ? FloatEncoder.toBF16(table[codes[c] & 0xFF] * scale, Overflow.NON_SATURATING)
                                : 0x5555;
                        assertThat(bf16.get(LittleEndian.SHORT, 2L * (c + 2)))
                                .as("BF16 of code %02x × %s", codes[c] & 0xFF, scale).isEqualTo(expected);
                    }
                }
            }
        }
    }

    /** AWQ's pair loop reads runs of sixteen words stored evens first and writes the outputs in input order. */
    @Test
    void nibblePairsInInputOrder() {
        int[] words = new int[64 + 16];
        for (int i = 0; i < words.length; i++) {
            words[i] = RANDOM.nextInt();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bf16 = arena.allocate(2L * 64 + 6);
            for (float scale : new float[] {0.01f, -3.5f, Float.MAX_VALUE, 0f, Float.NaN, Float.NEGATIVE_INFINITY}) {
                VectorLoops.nibblePairsBf16(words, 16, 80, 12, 9, scale, bf16, 6);
                for (int input = 0; input < 64; input++) {
                    int lane = input % 16;
                    int word = 16 + input / 16 * 16 + (lane % 2 == 0 ? lane / 2 : 8 + lane / 2);
                    float expected = (((words[word] >>> 12) & 0xF) - 9) * scale;
                    assertThat(bf16.get(LittleEndian.SHORT, 6 + 2L * input)).as("input %d × %s", input, scale)
                            .isEqualTo(FloatEncoder.toBF16(expected, Overflow.NON_SATURATING));
                }
            }
        }
    }

    @Test
    void fp4AndInt4Words() {
        float[] e2m1 = Codebook.e2m1();
        int[] words = new int[64];
        for (int i = 0; i < words.length; i++) {
            words[i] = RANDOM.nextInt();
        }
        words[0] = 0xFEDCBA98;
        words[1] = 0x76543210;
        float[] int4 = new float[8 * words.length];
        float[] affine = new float[8 * words.length];
        VectorLoops.int4(words, 0, words.length, 8f, 0.125f, int4, 0);
        VectorLoops.int4Affine(words, 0, words.length, 0.1f, -0.4f, affine, 0);
        float[] fp4 = new float[8 * words.length];
        VectorLoops.fp4(words, 0, words.length, 0.37f, fp4, 0);
        for (int i = 0; i < 8 * words.length; i++) {
            int q = (words[i / 8] >>> (4 * (i % 8))) & 0xF;
            assertThat(int4[i]).isEqualTo((q - 8f) * 0.125f);
            assertThat(affine[i]).isEqualTo(q * 0.1f + -0.4f);
            assertThat(fp4[i]).isEqualTo(e2m1[q] * 0.37f);
        }
    }

    @Test
    void nibbleColumnWithATail() {
        int[] column = new int[29];
        for (int i = 0; i < column.length; i++) {
            column[i] = RANDOM.nextInt();
        }
        float[] out = new float[column.length];
        VectorLoops.nibbleColumn(column, 3, 29, 20, 7f, 0.01f, out, 0);
        for (int k = 3; k < 29; k++) {
            assertThat(out[k - 3]).isEqualTo((((column[k] >>> 20) & 0xF) - 7f) * 0.01f);
        }
    }

    @Test
    void bf16AsCoresEncoderRoundsIt() {
        float[] v = new float[4099];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (i % 9) {
                case 0 -> Float.intBitsToFloat(RANDOM.nextInt());           // anything, NaNs included
                case 1 -> Float.intBitsToFloat(0x3F808000 + (RANDOM.nextInt(3) - 1));   // ties and neighbours
                case 2 -> Float.intBitsToFloat(RANDOM.nextInt(0x00800000));   // subnormals
                case 3 -> Float.POSITIVE_INFINITY;
                case 4 -> -Float.MAX_VALUE;
                case 5 -> Float.NaN;
                default -> (float) RANDOM.nextGaussian();
            };
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(2L * v.length);
            VectorLoops.bf16(v, 0, v.length, out, 0);
            for (int i = 0; i < v.length; i++) {
                assertThat(out.get(LittleEndian.SHORT, 2L * i)).as("%08x", Float.floatToRawIntBits(v[i]))
                        .isEqualTo(FloatEncoder.toBF16(v[i], Overflow.NON_SATURATING));
            }
        }
    }

    /** A scale from the awkward cases for BF16 rounding of products, or an ordinary one. */
    private static float awkwardScale(int i) {
        return switch (i % 8) {
            case 0 -> Float.NaN;
            case 1 -> Float.POSITIVE_INFINITY;
            case 2 -> -0f;
            case 3 -> Float.MAX_VALUE / 4;                                    // products overflow
            case 4 -> Float.intBitsToFloat(RANDOM.nextInt(0x00800000));     // subnormal
            case 5 -> Float.intBitsToFloat(0x3F808000 + RANDOM.nextInt(3) - 1);   // ties and neighbours
            default -> (float) RANDOM.nextGaussian();
        };
    }

    /** The table lookups (byte shuffles) give each code's BF16 of the formula, as the test rounds it. */
    @Test
    void bf16TablesAndTheirLookups() {
        int tables = 40;
        int[] zeros = new int[tables];
        float[] scales = new float[tables];
        for (int t = 0; t < tables; t++) {
            zeros[t] = RANDOM.nextInt(17);
            scales[t] = awkwardScale(t);
        }
        byte[] lo = new byte[16 * tables];
        byte[] hi = new byte[16 * tables];
        VectorLoops.int4Bf16Tables(zeros, scales, tables, lo, hi);
        byte[] fp4lo = new byte[16 * tables];
        byte[] fp4hi = new byte[16 * tables];
        float[] e2m1 = Codebook.e2m1();
        for (int t = 0; t < tables; t++) {
            VectorLoops.bf16Table(e2m1, scales[t], fp4lo, fp4hi, 16 * t);
        }
        int[] words = new int[13];
        for (int i = 0; i < words.length; i++) {
            words[i] = RANDOM.nextInt();
        }
        words[0] = 0xFEDCBA98;
        words[1] = 0x76543210;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(2L * 8 * words.length + 6);
            for (int t = 0; t < tables; t++) {
                VectorLoops.nibblesBf16(words, 1, words.length - 1, lo, hi, 16 * t, out, 6);
                for (int i = 8; i < 8 * words.length; i++) {
                    int q = (words[i / 8] >>> (4 * (i % 8))) & 0xF;
                    assertThat(out.get(LittleEndian.SHORT, 6 + 2L * (i - 8))).as("table %d code %d", t, q)
                            .isEqualTo(Bf16OutputTest.bf16((q - zeros[t]) * scales[t]));
                }
                VectorLoops.nibblesBf16(words, 0, words.length, fp4lo, fp4hi, 16 * t, out, 0);
                for (int i = 0; i < 8 * words.length; i++) {
                    int q = (words[i / 8] >>> (4 * (i % 8))) & 0xF;
                    assertThat(out.get(LittleEndian.SHORT, 2L * i)).isEqualTo(Bf16OutputTest.bf16(e2m1[q] * scales[t]));
                }
            }
        }
    }
}
