package dev.safetensors.quant.internal.kernel;

import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels' hot loops on eight 32-bit lanes (and BF16 table lookups as 16-byte shuffles), loaded only when
 * {@link Simd#ENABLED}. Each computes exactly what the scalar loop it stands for computes (same operations, same
 * order, so the same floats), which the tests check by running both.
 */
final class VectorLoops {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    /** Lane l takes nibble l of a word: element l of eight 4-bit fields, low field first. */
    private static final IntVector NIBBLE_SHIFTS = IntVector.fromArray(I, new int[] {0, 4, 8, 12, 16, 20, 24, 28}, 0);
    /** The eight non-negative E2M1 values; bit 3 of a code is its sign. */
    private static final FloatVector E2M1_POSITIVE = FloatVector.fromArray(F, Codebook.e2m1(), 0);

    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> I4 = IntVector.SPECIES_128;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    /** {@link E4m3Split}'s fixed table of high bytes. */
    private static final byte[] E4M3_HIGH = E4m3Split.high();
    /** Byte m of a word to bytes 4m..4m+3: each int lane then holds one byte of the word four times. */
    private static final VectorShuffle<Byte> SPREAD = VectorShuffle.fromValues(B16, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
            2, 3, 3, 3, 3);
    /** The high byte of each 16-bit lane. */
    private static final VectorMask<Byte> HIGH_BYTES = VectorMask.fromLong(B16, 0xAAAAL);
    /** The 4-bit codes as floats, in two halves. */
    private static final FloatVector CODES_0_7 = FloatVector.fromArray(F, new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 0);
    private static final FloatVector CODES_8_15 = FloatVector.fromArray(F, new float[] {8, 9, 10, 11, 12, 13, 14, 15}, 0);

    private VectorLoops() {
    }

    /*
     * BF16 by table (4-bit codes). A 16-entry table of finished BF16 values is kept as its low bytes and its high
     * bytes, 16 each, so that one byte shuffle (pshufb) of each looks up eight outputs. The tables are built into
     * byte arrays by methods of their own, and the lookup loops load them: no vector crosses a call that the JIT
     * might not inline (that would box it), and every conversion keeps its lane count (C2 intrinsifies only those).
     */

    /**
     * Tables {@code [0, n)}: table {@code t} holds {@code bf16((c − zeros[t]) × scales[t])} for code {@code c}
     * (the int difference made float, as the scalar loops compute it), at {@code lo[16t]} and {@code hi[16t]}.
     */
    static void int4Bf16Tables(int[] zeros, float[] scales, int n, byte[] lo, byte[] hi) {
        for (int t = 0; t < n; t++) {
            float zero = zeros[t];
            float scale = scales[t];
            tableHalf(CODES_0_7.sub(zero).mul(scale), lo, hi, 16 * t);
            tableHalf(CODES_8_15.sub(zero).mul(scale), lo, hi, 16 * t + 8);
        }
    }

    /** One table at {@code lo[at]}, {@code hi[at]}: {@code bf16(values[c] × scale)} for the 16 codes. */
    static void bf16Table(float[] values, float scale, byte[] lo, byte[] hi, int at) {
        tableHalf(FloatVector.fromArray(F, values, 0).mul(scale), lo, hi, at);
        tableHalf(FloatVector.fromArray(F, values, 8).mul(scale), lo, hi, at + 8);
    }

    /** Eight entries: the BF16 of {@code v} (as {@link #bf16}), low bytes to {@code lo[at]}, high to {@code hi[at]}. */
    private static void tableHalf(FloatVector v, byte[] lo, byte[] hi, int at) {
        IntVector u = v.reinterpretAsInts();
        IntVector r = u.add(u.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF).lanewise(VectorOperators.LSHR, 16);
        r = r.blend(0x7FC0, u.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000));
        r.castShape(B, 0).reinterpretAsBytes().intoArray(lo, at);
        r.lanewise(VectorOperators.LSHR, 8).castShape(B, 0).reinterpretAsBytes().intoArray(hi, at);
    }

    /**
     * Eight outputs per word of {@code words[from, from + n)}: its nibbles, the lowest first, index the table at
     * {@code lo[table]}, {@code hi[table]}; 16 bytes per word into {@code dst} from byte {@code at}.
     */
    static void nibblesBf16(int[] words, int from, int n, byte[] lo, byte[] hi, int table, MemorySegment dst, long at) {
        ByteVector low = ByteVector.fromArray(B16, lo, table);
        ByteVector high = ByteVector.fromArray(B16, hi, table);
        for (int i = 0; i < n; i++) {
            IntVector x = IntVector.broadcast(I4, words[from + i]).reinterpretAsBytes().rearrange(SPREAD)
                    .reinterpretAsInts();
            // Both bytes of output j (2j, 2j + 1) index with nibble j: low nibbles to bytes 0-1, high to 2-3.
            ByteVector index = x.and(0x0F0F).or(x.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0000)).reinterpretAsBytes();
            index.selectFrom(low).blend(index.selectFrom(high), HIGH_BYTES)
                    .intoMemorySegment(dst, at + 16L * i, ByteOrder.LITTLE_ENDIAN);
        }
    }

    /**
     * FP4 rows: block {@code b} of {@code blocks} is {@code perBlock} words of {@code words} from word
     * {@code b × perBlock}, looked up in the table at {@code lo[tables[b]]}, {@code hi[tables[b]]}; the row's
     * outputs into {@code dst} from byte {@code at}. One call per row, so blocks of 16 pay no call each.
     */
    static void blocksBf16(int[] words, int blocks, int perBlock, int[] tables, byte[] lo, byte[] hi,
            MemorySegment dst, long at) {
        for (int b = 0; b < blocks; b++) {
            int t = tables[b];
            ByteVector low = ByteVector.fromArray(B16, lo, t);
            ByteVector high = ByteVector.fromArray(B16, hi, t);
            for (int i = b * perBlock; i < (b + 1) * perBlock; i++) {
                IntVector x = IntVector.broadcast(I4, words[i]).reinterpretAsBytes().rearrange(SPREAD).reinterpretAsInts();
                ByteVector index = x.and(0x0F0F).or(x.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0000))
                        .reinterpretAsBytes();
                index.selectFrom(low).blend(index.selectFrom(high), HIGH_BYTES)
                        .intoMemorySegment(dst, at + 16L * i, ByteOrder.LITTLE_ENDIAN);
            }
        }
    }

    /** Whether 256-bit vectors are native here (not emulated, which would be slower than scalar). */
    static boolean usable() {
        return IntVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    /** {@code dst[at + 8i + l] = (nibble l of words[from + i] − zero) × scale} for {@code n} words. */
    static void int4(int[] words, int from, int n, float zero, float scale, float[] dst, int at) {
        for (int i = 0; i < n; i++) {
            FloatVector q = IntVector.broadcast(I, words[from + i]).lanewise(VectorOperators.LSHR, NIBBLE_SHIFTS)
                    .and(0xF).convert(VectorOperators.I2F, 0).reinterpretAsFloats();
            q.sub(zero).mul(scale).intoArray(dst, at + 8 * i);
        }
    }

    /** MLX affine: {@code dst[at + 8i + l] = nibble l × scale + bias}. */
    static void int4Affine(int[] words, int from, int n, float scale, float bias, float[] dst, int at) {
        for (int i = 0; i < n; i++) {
            FloatVector q = IntVector.broadcast(I, words[from + i]).lanewise(VectorOperators.LSHR, NIBBLE_SHIFTS)
                    .and(0xF).convert(VectorOperators.I2F, 0).reinterpretAsFloats();
            q.mul(scale).add(bias).intoArray(dst, at + 8 * i);
        }
    }

    /** AWQ: {@code dst[at + k] = ((words[k] >>> shift) & 0xF − zero) × scale} for {@code k} in {@code [from, to)}. */
    static void nibbleColumn(int[] words, int from, int to, int shift, float zero, float scale, float[] dst, int at) {
        int k = from;
        for (; k + 8 <= to; k += 8) {
            FloatVector q = IntVector.fromArray(I, words, k).lanewise(VectorOperators.LSHR, shift).and(0xF)
                    .convert(VectorOperators.I2F, 0).reinterpretAsFloats();
            q.sub(zero).mul(scale).intoArray(dst, at + k - from);
        }
        for (; k < to; k++) {
            dst[at + k - from] = (((words[k] >>> shift) & 0xF) - zero) * scale;
        }
    }

    /**
     * AWQ to BF16: as {@link #nibbleColumn} then {@link RowStore}'s rounding, sixteen inputs at a time, from
     * words stored in runs of sixteen as the run's eight even inputs then its eight odd ones (so each 32-bit lane
     * of the output holds a pair in order, with no narrowing); {@code (to − from) / 16} runs, into {@code dst}
     * from byte {@code at}. A finite scale gives finite or infinite products, never NaN, so only a non-finite
     * scale needs the NaN test, on the scalar loop.
     */
    static void nibblePairsBf16(int[] words, int from, int to, int shift, int zero, float scale, MemorySegment dst,
            long at) {
        if (!Float.isFinite(scale)) {
            for (int k = from; k < to; k++) {
                int run = (k - from) & ~15;
                int lane = (k - from) & 15;
                int input = run + (lane < 8 ? 2 * lane : 2 * (lane - 8) + 1);
                float v = (((words[k] >>> shift) & 0xF) - zero) * scale;
                dst.set(LittleEndian.SHORT, at + 2L * input, FloatEncoder.toBF16(v, Overflow.NON_SATURATING));
            }
            return;
        }
        float z = zero;
        for (int k = from; k < to; k += 16) {
            IntVector even = roundedHigh(IntVector.fromArray(I, words, k).lanewise(VectorOperators.LSHR, shift).and(0xF)
                    .convert(VectorOperators.I2F, 0).reinterpretAsFloats().sub(z).reinterpretAsInts(), scale);
            IntVector odd = roundedHigh(IntVector.fromArray(I, words, k + 8).lanewise(VectorOperators.LSHR, shift)
                    .and(0xF).convert(VectorOperators.I2F, 0).reinterpretAsFloats().sub(z).reinterpretAsInts(), scale);
            even.lanewise(VectorOperators.LSHR, 16).or(odd.and(0xFFFF0000))
                    .intoMemorySegment(dst, at + 2L * (k - from), ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** FP4: {@code dst[at + 8i + l] = E2M1(nibble l of words[from + i]) × scale}. */
    static void fp4(int[] words, int from, int n, float scale, float[] dst, int at) {
        for (int i = 0; i < n; i++) {
            IntVector code = IntVector.broadcast(I, words[from + i]).lanewise(VectorOperators.LSHR, NIBBLE_SHIFTS);
            VectorShuffle<Float> index = code.and(7).reinterpretAsInts().toShuffle().cast(F);
            FloatVector magnitude = E2M1_POSITIVE.rearrange(index);
            IntVector sign = code.and(8).lanewise(VectorOperators.LSHL, 28);
            FloatVector value = magnitude.reinterpretAsInts().or(sign).reinterpretAsFloats();
            value.mul(scale).intoArray(dst, at + 8 * i);
        }
    }

    /**
     * E4M3: element {@code at + c − from} of {@code dst} = {@code E4M3(codes[c]) × scale}, stored as F32 or as
     * BF16 (rounded as {@link RowStore} rounds) with no heap tile between: one pass over the output. The code's
     * bits placed in an F32 (sign to bit 31, exponent and mantissa from bit 20) are its value × 2^−120,
     * exactly, subnormals included; NaN codes (S.1111.111) are set apart.
     */
    static void e4m3Store(byte[] codes, int from, int to, float scale, float[] table, boolean f32, MemorySegment dst,
            long at) {
        int c = from;
        for (; c + 8 <= to; c += 8) {
            IntVector b = ((IntVector) ByteVector.fromArray(B, codes, c).castShape(I, 0)).and(0xFF);
            IntVector bits = b.and(0x80).lanewise(VectorOperators.LSHL, 24).or(b.and(0x7F).lanewise(VectorOperators.LSHL, 20));
            FloatVector v = bits.reinterpretAsFloats().mul(0x1p120f);
            VectorMask<Float> nan = b.and(0x7F).compare(VectorOperators.EQ, 0x7F).cast(F);
            v = v.blend(Float.NaN, nan).mul(scale);
            long e = at + c - from;
            if (f32) {
                v.intoMemorySegment(dst, 4 * e, ByteOrder.LITTLE_ENDIAN);
            } else {
                bf16(v).intoMemorySegment(dst, 2 * e, ByteOrder.LITTLE_ENDIAN);
            }
        }
        for (; c < to; c++) {
            float v = table[codes[c] & 0xFF] * scale;
            long e = at + c - from;
            if (f32) {
                dst.set(LittleEndian.FLOAT, 4 * e, v);
            } else {
                dst.set(LittleEndian.SHORT, 2 * e, FloatEncoder.toBF16(v, Overflow.NON_SATURATING));
            }
        }
    }

    /**
     * E4M3 to BF16 as {@link #e4m3Store} computes it, sixteen codes at a time. Where {@code scale × 2^120} is
     * finite and a run of sixteen holds no NaN code, the code's bits placed in an F32 times that product is one
     * rounding of the same exact product {@code E4M3(code) × scale}, and it is finite, so no NaN test is needed per
     * element; from the first run that holds a NaN code on, {@code e4m3Store} writes the rest. A pair of codes read
     * as a 16-bit lane gives the even code's BF16 in the low half of a 32-bit lane and the odd one's in the high
     * half: the outputs in order, with no narrowing.
     */
    static void e4m3Bf16(byte[] codes, int from, int to, float scale, float[] table, MemorySegment dst, long at) {
        float times = scale * 0x1p120f;
        if (!Float.isFinite(times)) {
            e4m3Store(codes, from, to, scale, table, false, dst, at);
            return;
        }
        int c = from;
        for (; c + 16 <= to; c += 16) {
            ByteVector bytes = ByteVector.fromArray(B16, codes, c);
            // A test per run, not a vector carried round the loop: C2 sometimes boxes those (and runs 10× slower).
            if (bytes.and((byte) 0x7F).compare(VectorOperators.EQ, (byte) 0x7F).anyTrue()) {
                break;
            }
            IntVector pair = (IntVector) bytes.reinterpretAsShorts().convertShape(VectorOperators.S2I, I, 0);
            // Sign to bit 31, exponent and mantissa to bits 20-26: the even code from bits 0-7, the odd from 8-15.
            IntVector even = roundedHigh(pair.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 4)
                    .and(0x87F00000), times);
            IntVector odd = roundedHigh(pair.lanewise(VectorOperators.LSHL, 12).and(0x87F00000), times);
            even.lanewise(VectorOperators.LSHR, 16).or(odd.and(0xFFFF0000))
                    .intoMemorySegment(dst, 2 * (at + c - from), ByteOrder.LITTLE_ENDIAN);
        }
        e4m3Store(codes, c, to, scale, table, false, dst, at + c - from);
    }

    /**
     * BF16 of E4M3 codes by a block's {@link E4m3Split} tables at {@code low[table]}, {@code high[table]}: element
     * {@code at + c − from} of {@code dst} for code {@code c}, from {@code from}, sixteen codes at a time. Returns
     * the first code not looked up (the tail under sixteen, or the first run of sixteen that holds a NaN code),
     * for the caller to look up in the block's full table. Shuffles and byte sums only: no float arithmetic, so
     * no subnormal operand (which x86 cores take far more slowly) whatever the codes.
     */
    static int e4m3SplitBf16(byte[] codes, int from, int to, byte[] low, byte[] high, int table, MemorySegment dst,
            long at) {
        ByteVector normalLow = ByteVector.fromArray(B16, low, table);
        ByteVector normalHigh = ByteVector.fromArray(B16, high, table);
        ByteVector subnormalLow = ByteVector.fromArray(B16, low, table + 16);
        ByteVector subnormalHigh = ByteVector.fromArray(B16, high, table + 16);
        ByteVector signAndExponent = ByteVector.fromArray(B16, E4M3_HIGH, 0);
        int c = from;
        for (; c + 16 <= to; c += 16) {
            ByteVector code = ByteVector.fromArray(B16, codes, c);
            // A test per run, not a vector carried round the loop: C2 sometimes boxes those (and runs 10× slower).
            if (code.and((byte) 0x7F).compare(VectorOperators.EQ, (byte) 0x7F).anyTrue()) {
                break;
            }
            ByteVector l = code.and((byte) 0x0F);
            ByteVector h = code.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes()
                    .and((byte) 0x0F);
            VectorMask<Byte> subnormal = code.and((byte) 0x70).compare(VectorOperators.EQ, (byte) 0);
            ByteVector lowBytes = l.selectFrom(normalLow).blend(l.selectFrom(subnormalLow), subnormal);
            ByteVector highBytes = l.selectFrom(normalHigh).blend(l.selectFrom(subnormalHigh), subnormal)
                    .add(h.selectFrom(signAndExponent));
            ShortVector lows = (ShortVector) lowBytes.convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            ShortVector highs = (ShortVector) highBytes.convertShape(VectorOperators.B2S, S16, 0);
            highs.lanewise(VectorOperators.LSHL, 8).or(lows)
                    .intoMemorySegment(dst, 2 * (at + c - from), ByteOrder.LITTLE_ENDIAN);
        }
        return c;
    }

    /** {@code bits} as floats times {@code times}, rounded to BF16 in the high 16 bits (finite products only). */
    private static IntVector roundedHigh(IntVector bits, float times) {
        IntVector u = bits.reinterpretAsFloats().mul(times).reinterpretAsInts();
        return u.add(u.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
    }

    /** BF16 of eight floats, round to nearest even, NaN → 0x7FC0 (PyTorch's cast), as core's {@code FloatEncoder}. */
    private static ShortVector bf16(FloatVector v) {
        IntVector u = v.reinterpretAsInts();
        IntVector r = u.add(u.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF).lanewise(VectorOperators.LSHR, 16);
        r = r.blend(0x7FC0, u.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000));
        return (ShortVector) r.castShape(S, 0);
    }


    /** {@code src[from, from + count)} as BF16 into {@code dst} from byte {@code at}. */
    static void bf16(float[] src, int from, int count, MemorySegment dst, long at) {
        int i = 0;
        for (; i + 8 <= count; i += 8) {
            bf16(FloatVector.fromArray(F, src, from + i)).intoMemorySegment(dst, at + 2L * i, ByteOrder.LITTLE_ENDIAN);
        }
        for (; i < count; i++) {
            dst.set(LittleEndian.SHORT, at + 2L * i, FloatEncoder.toBF16(src[from + i], Overflow.NON_SATURATING));
        }
    }
}
