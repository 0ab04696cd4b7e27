package dev.safetensors.quant.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every kernel's BF16 output (table-driven or computed, vector loops in the default run, scalar loops in the
 * scalar-loops execution) against the producer's formula applied here to the raw packed bits and rounded by this
 * test's own round-to-nearest-even: bit for bit, with F32 output checked the same way. The scales mix
 * ordinary values with ones that stress the rounding: ties at the BF16 boundary, NaN, infinities, zero of both
 * signs, subnormals and the largest float (products that overflow to infinity or give NaN).
 */
class Bf16OutputTest {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** AutoAWQ's packing order: nibble p of a word holds column ORDER[p] of its eight. */
    private static final int[] AWQ_ORDER = {0, 2, 4, 6, 1, 3, 5, 7};
    private static final float[] E2M1 = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f};

    private final Random random = new Random(11);
    private final Arena arena = Arena.ofAuto();

    /** A scale: mostly ordinary, one in four chosen to stress the rounding. */
    private float scale() {
        return switch (random.nextInt(40)) {
            case 0 -> Float.NaN;
            case 1 -> Float.POSITIVE_INFINITY;
            case 2 -> Float.NEGATIVE_INFINITY;
            case 3 -> 0f;
            case 4 -> -0f;
            case 5 -> Float.MIN_VALUE * (1 + random.nextInt(1000));          // subnormal
            case 6 -> Float.MAX_VALUE;                                       // products overflow
            case 7, 8, 9 -> Float.intBitsToFloat(0x3F808000 | (random.nextInt(8) << 16));   // ties after × 2^k
            case 10 -> Float.intBitsToFloat(0x3F808000 + random.nextInt(3) - 1);            // ties' neighbours
            default -> (float) (random.nextGaussian() * Math.pow(2, random.nextInt(20) - 10));
        };
    }

    private MemorySegment ints(int[] v) {
        MemorySegment s = arena.allocate(4L * v.length);
        for (int i = 0; i < v.length; i++) {
            s.set(INT, 4L * i, v[i]);
        }
        return s;
    }

    private MemorySegment floats(float[] v) {
        MemorySegment s = arena.allocate(4L * v.length);
        for (int i = 0; i < v.length; i++) {
            s.set(FLOAT, 4L * i, v[i]);
        }
        return s;
    }

    private float[] scales(int n) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = scale();
        }
        return s;
    }

    /** Round to nearest, ties to even, NaN to 0x7FC0 (PyTorch's cast), written apart from core's encoder. */
    static short bf16(float x) {
        if (x != x) {
            return (short) 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(x);
        int upper = bits >>> 16;
        int lower = bits & 0xFFFF;
        if (lower > 0x8000 || (lower == 0x8000 && (upper & 1) == 1)) {
            upper++;
        }
        return (short) upper;
    }

    /** Decodes the whole of {@code k} both ways, in two calls of uneven row blocks, and compares. */
    private static void check(Kernel k, float[] expected, String what) {
        long rows = k.rows();
        int columns = k.columns();
        assertThat((long) expected.length).isEqualTo(rows * columns);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f32 = a.allocate(4L * expected.length, 64);
            MemorySegment bf16 = a.allocate(2L * expected.length, 64);
            long split = rows / 3;
            Dense.encode(k, 0, split, DType.F32, f32);
            Dense.encode(k, split, rows, DType.F32, f32.asSlice(4 * split * columns));
            Dense.encode(k, 0, split, DType.BF16, bf16);
            Dense.encode(k, split, rows, DType.BF16, bf16.asSlice(2 * split * columns));
            int nans = 0;
            for (int i = 0; i < expected.length; i++) {
                float e = expected[i];
                float got = f32.get(FLOAT, 4L * i);
                if (Float.floatToIntBits(got) != Float.floatToIntBits(e)) {
                    throw new AssertionError(what + " F32 element " + i + ": " + got + " != " + e);
                }
                short h = bf16.get(SHORT, 2L * i);
                if (h != bf16(e)) {
                    throw new AssertionError(String.format("%s BF16 element %d (row %d): %04x != %04x for %s (%08x)", what,
                            i, i / columns, h, bf16(e), e, Float.floatToRawIntBits(e)));
                }
                nans += e != e ? 1 : 0;
            }
            assertThat(nans).as("%s: some NaN products are checked", what).isPositive();
        }
    }

    /** The blocks of rows the BF16 paths take stay within eight tiles, down to one row of the widest layers. */
    @Test
    void blocksOfRowsStayBounded() {
        for (int in : new int[] {4096, 65536, 1 << 19, 1 << 22}) {
            Kernel awq = new AwqKernel(MemorySegment.NULL, 8, in, MemorySegment.NULL, null, 128);
            Kernel gptq = new GptqKernel(MemorySegment.NULL, 8, in, 4, MemorySegment.NULL, 1, 1, null, 128, null);
            Kernel fp8 = new ByteCodeKernel(MemorySegment.NULL, Codebook.bytes(DType.F8_E4M3), 1 << 20, in, 128, 128,
                    null, null);
            for (Kernel k : new Kernel[] {awq, gptq, fp8}) {
                int rows = k.blockRows(DType.BF16);
                assertThat((long) rows * in).as("%s, %d inputs", k.getClass().getSimpleName(), in)
                        .isLessThanOrEqualTo(Math.max(8L * Dense.TILE, in));
                assertThat(rows).isPositive();
            }
            // whole 128-row blocks where they fit, so that each block's tables are built once per call
            assertThat(fp8.blockRows(DType.BF16) % 128 == 0).as("%d inputs", in)
                    .isEqualTo(128L * in <= 8L * Dense.TILE);
        }
        assertThat(new AwqKernel(MemorySegment.NULL, 8, 4096, MemorySegment.NULL, null, 128).blockRows(DType.F32))
                .isEqualTo(Dense.rowsPer(Dense.TILE, 4096));
    }

    @Test
    void gptq4BitGroupsAndActOrder() {
        int out = 40;
        int in = 512;
        for (int groupSize : new int[] {128, 64}) {
            for (boolean actOrder : new boolean[] {false, true}) {
                int groups = in / groupSize;
                int[] qweight = new int[in / 8 * out];
                for (int i = 0; i < qweight.length; i++) {
                    qweight[i] = random.nextInt();
                }
                int zeroWords = out / 8;
                int[] qzeros = new int[groups * zeroWords];
                for (int i = 0; i < qzeros.length; i++) {
                    qzeros[i] = random.nextInt();
                }
                float[] s = scales(groups * out);
                int[] gIdx = null;
                if (actOrder) {
                    gIdx = new int[in];
                    for (int k = 0; k < in; k++) {
                        gIdx[k] = random.nextInt(groups);
                    }
                }
                float[] expected = new float[out * in];
                for (int o = 0; o < out; o++) {
                    for (int k = 0; k < in; k++) {
                        int g = actOrder ? gIdx[k] : k / groupSize;
                        int q = (qweight[k / 8 * out + o] >>> (4 * (k % 8))) & 0xF;
                        int z = ((qzeros[g * zeroWords + o / 8] >>> (4 * (o % 8))) & 0xF) + 1;   // v1: stored + 1
                        expected[o * in + k] = (q - z) * s[g * out + o];
                    }
                }
                Kernel k = new GptqKernel(ints(qweight), out, in, 4, ints(qzeros), zeroWords, 1,
                        FloatMatrix.of(floats(s), DType.F32, groups, out), groupSize, gIdx);
                check(k, expected, "GPTQ group " + groupSize + (actOrder ? " act-order" : ""));
            }
        }
    }

    @Test
    void gptq3And8Bit() {
        int out = 32;
        int in = 256;
        int groupSize = 64;
        int groups = in / groupSize;
        for (int bits : new int[] {3, 8}) {
            int[] qweight = new int[in * bits / 32 * out];
            for (int i = 0; i < qweight.length; i++) {
                qweight[i] = random.nextInt();
            }
            int zeroWords = out * bits / 32;
            int[] qzeros = new int[groups * zeroWords];
            for (int i = 0; i < qzeros.length; i++) {
                qzeros[i] = random.nextInt();
            }
            float[] s = scales(groups * out);
            float[] expected = new float[out * in];
            for (int o = 0; o < out; o++) {
                for (int k = 0; k < in; k++) {
                    int g = k / groupSize;
                    int q = field(qweight, o, out, (long) k * bits, bits);
                    int z = field(qzeros, g * zeroWords, 1, (long) o * bits, bits);   // v2: no offset
                    expected[o * in + k] = (q - z) * s[g * out + o];
                }
            }
            Kernel k = new GptqKernel(ints(qweight), out, in, bits, ints(qzeros), zeroWords, 0,
                    FloatMatrix.of(floats(s), DType.F32, groups, out), groupSize, null);
            check(k, expected, "GPTQ " + bits + "-bit");
        }
    }

    /** Bits {@code [bit, bit + bits)} of the stream of words {@code first, first + step, ...}, low bits first. */
    private static int field(int[] words, int first, int step, long bit, int bits) {
        int v = 0;
        for (int b = 0; b < bits; b++) {
            long at = bit + b;
            int word = words[first + (int) (at / 32) * step];
            v |= ((word >>> (at % 32)) & 1) << b;
        }
        return v;
    }

    @Test
    void awqGemm() {
        awqGemm(48, 300, 128);   // the last group partial, and vector tails: the computed loops
        awqGemm(200, 512, 64);   // runs of sixteen: the pair loop, over 25 word columns, split at row 66
        awqGemm(16, 256, 16);
    }

    private void awqGemm(int out, int in, int groupSize) {
        int groups = Math.ceilDiv(in, groupSize);
        int[] qweight = new int[in * out / 8];
        for (int i = 0; i < qweight.length; i++) {
            qweight[i] = random.nextInt();
        }
        int[] qzeros = new int[groups * out / 8];
        for (int i = 0; i < qzeros.length; i++) {
            qzeros[i] = random.nextInt();
        }
        float[] s = scales(groups * out);
        float[] expected = new float[out * in];
        for (int o = 0; o < out; o++) {
            int nibble = 0;
            while (AWQ_ORDER[nibble] != o % 8) {
                nibble++;
            }
            for (int k = 0; k < in; k++) {
                int g = k / groupSize;
                int q = (qweight[k * (out / 8) + o / 8] >>> (4 * nibble)) & 0xF;
                int z = (qzeros[g * (out / 8) + o / 8] >>> (4 * nibble)) & 0xF;
                expected[o * in + k] = (q - z) * s[g * out + o];
            }
        }
        Kernel k = new AwqKernel(ints(qweight), out, in, ints(qzeros), FloatMatrix.of(floats(s), DType.F32, groups, out),
                groupSize);
        check(k, expected, "AWQ " + out + "x" + in + " group " + groupSize);
    }

    /** E4M3 (FN): bias 7, no infinities, S.1111.111 NaN. */
    private static float e4m3(int code) {
        int e = (code >>> 3) & 0xF;
        int m = code & 7;
        float sign = (code & 0x80) != 0 ? -1f : 1f;
        if (e == 15 && m == 7) {
            return Float.NaN;
        }
        return sign * (e == 0 ? m / 8f * 0x1p-6f : (1 + m / 8f) * (float) Math.pow(2, e - 7));
    }

    @Test
    void blockFp8WithPartialEdgeBlocksAndZeroPoints() {
        int rows = 200;
        int columns = 300;
        // 64 × 24: sixteen codes shuffled and a tail of eight per block; 128 × 8: blocks too narrow to shuffle
        for (int[] blocks : new int[][] {{128, 128}, {1, 64}, {1, columns}, {rows, columns}, {64, 24}, {128, 8}}) {
            for (boolean withZeros : new boolean[] {false, true}) {
                int br = blocks[0];
                int bc = blocks[1];
                int gr = Math.ceilDiv(rows, br);
                int gc = Math.ceilDiv(columns, bc);
                byte[] codes = new byte[rows * columns];
                random.nextBytes(codes);
                float[] s = scales(gr * gc);
                float[] z = new float[gr * gc];
                for (int i = 0; i < z.length; i++) {
                    z[i] = withZeros ? random.nextInt(9) - 4 : 0;
                }
                float[] expected = new float[rows * columns];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < columns; c++) {
                        int b = r / br * gc + c / bc;
                        float v = e4m3(codes[r * columns + c] & 0xFF);
                        expected[r * columns + c] = withZeros ? (v - z[b]) * s[b] : v * s[b];
                    }
                }
                MemorySegment codeBytes = arena.allocate(codes.length);
                MemorySegment.copy(codes, 0, codeBytes, ValueLayout.JAVA_BYTE, 0, codes.length);
                Kernel k = new ByteCodeKernel(codeBytes, Codebook.bytes(DType.F8_E4M3), rows, columns, br, bc,
                        FloatMatrix.of(floats(s), DType.F32, gr, gc),
                        withZeros ? FloatMatrix.of(floats(z), DType.F32, gr, gc) : null);
                check(k, expected, "FP8 blocks " + br + "x" + bc + (withZeros ? " with zero points" : ""));
            }
        }
    }

    @Test
    void fp4Blocks() {
        int rows = 36;
        for (int block : new int[] {32, 16}) {
            for (int columns : new int[] {512, 200}) {   // 200: a partial last block, on the scalar loop
                int perRow = Math.ceilDiv(columns, block);
                byte[] codes = new byte[rows * columns / 2];
                random.nextBytes(codes);
                float[] s = scales(rows * perRow);
                float[] expected = new float[rows * columns];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < columns; c++) {
                        int code = (codes[(r * columns + c) / 2] >>> (c % 2 == 0 ? 0 : 4)) & 0xF;
                        float v = (code & 8) != 0 ? -E2M1[code & 7] : E2M1[code & 7];
                        expected[r * columns + c] = v * s[r * perRow + c / block];
                    }
                }
                MemorySegment codeBytes = arena.allocate(codes.length);
                MemorySegment.copy(codes, 0, codeBytes, ValueLayout.JAVA_BYTE, 0, codes.length);
                Kernel k = new Fp4Kernel(codeBytes, rows, columns, block, FloatMatrix.of(floats(s), DType.F32, rows, perRow));
                check(k, expected, "FP4 block " + block + ", " + columns + " columns");
            }
        }
    }

    /** E8M0: 2^(code − 127), code 255 NaN. */
    private static float e8m0(int code) {
        return code == 255 ? Float.NaN : (float) Math.pow(2, code - 127);
    }

    /**
     * One-byte scale codes as MXFP4 (E8M0) and NVFP4 (E4M3, divided or multiplied by a per-tensor scale) store
     * them, on enough rows that the kernel keys its tables by scale code; every code appears.
     */
    @Test
    void fp4ByteCodedScales() {
        int rows = 64;
        int columns = 1024;
        for (int block : new int[] {32, 16}) {
            for (FloatMatrix.Fold fold : FloatMatrix.Fold.values()) {
                int perRow = columns / block;
                byte[] codes = new byte[rows * columns / 2];
                random.nextBytes(codes);
                byte[] scaleCodes = new byte[rows * perRow];
                for (int i = 0; i < scaleCodes.length; i++) {
                    scaleCodes[i] = (byte) (i < 256 ? i : random.nextInt(256));
                }
                float factor = fold == FloatMatrix.Fold.NONE ? 1f : 448f * 6f / 1.7f;
                DType codeType = block == 32 ? DType.F8_E8M0 : DType.F8_E4M3;
                float[] expected = new float[rows * columns];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < columns; c++) {
                        int code = (codes[(r * columns + c) / 2] >>> (c % 2 == 0 ? 0 : 4)) & 0xF;
                        float v = (code & 8) != 0 ? -E2M1[code & 7] : E2M1[code & 7];
                        int sc = scaleCodes[r * perRow + c / block] & 0xFF;
                        float scale = block == 32 ? e8m0(sc) : e4m3(sc);
                        scale = switch (fold) {
                            case NONE -> scale;
                            case MULTIPLY -> scale * factor;
                            case DIVIDE -> scale / factor;
                        };
                        expected[r * columns + c] = v * scale;
                    }
                }
                MemorySegment codeBytes = arena.allocate(codes.length);
                MemorySegment.copy(codes, 0, codeBytes, ValueLayout.JAVA_BYTE, 0, codes.length);
                MemorySegment scaleBytes = arena.allocate(scaleCodes.length);
                MemorySegment.copy(scaleCodes, 0, scaleBytes, ValueLayout.JAVA_BYTE, 0, scaleCodes.length);
                FloatMatrix scales = FloatMatrix.codes(scaleBytes, codeType, rows, perRow).folded(fold, factor);
                check(new Fp4Kernel(codeBytes, rows, columns, block, scales), expected,
                        "FP4 block " + block + ", " + codeType + " scales, " + fold);
            }
        }
    }

    @Test
    void packedRowsSymmetricAndAffine() {
        int rows = 24;
        int columns = 512;
        int groupSize = 64;
        int groups = columns / groupSize;
        int[] words = new int[rows * columns / 8];
        for (int i = 0; i < words.length; i++) {
            words[i] = random.nextInt();
        }
        float[] s = scales(rows * groups);
        float[] biases = scales(rows * groups);
        for (boolean affine : new boolean[] {false, true}) {
            float[] expected = new float[rows * columns];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < columns; c++) {
                    int q = (words[r * columns / 8 + c / 8] >>> (4 * (c % 8))) & 0xF;
                    int g = r * groups + c / groupSize;
                    expected[r * columns + c] = affine ? q * s[g] + biases[g] : (q - 8) * s[g];
                }
            }
            FloatMatrix scaleMatrix = FloatMatrix.of(floats(s), DType.F32, rows, groups);
            IntOffset offset = affine ? new IntOffset.Biases(FloatMatrix.of(floats(biases), DType.F32, rows, groups))
                    : new IntOffset.Constant(8);
            Kernel k = new PackedRowKernel(ints(words), rows, columns, 4, true, columns / 8, groupSize, null,
                    scaleMatrix, offset);
            check(k, expected, affine ? "MLX affine" : "pack-quantized");
        }
    }
}
