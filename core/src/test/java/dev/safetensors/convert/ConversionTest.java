package dev.safetensors.convert;

import dev.safetensors.testing.CountingSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.testing.CountingSource;
import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.internal.convert.RoundToOdd;
import dev.safetensors.internal.io.PositionalFileSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conversion as a stream: bounded reads whatever the strategy, single rounding from wide sources, infinities
 * never made finite, defaults as PyTorch casts, and counts of what left the target's range.
 */
class ConversionTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final float INF = Float.POSITIVE_INFINITY;

    @TempDir
    Path dir;

    /** Under positional reads, a 16 MiB tensor is read in blocks, never whole. */
    @Test
    void readsBlockByBlockWithoutAMapping() throws IOException {
        int n = 4 << 20;
        float[] values = new float[n];
        Random rnd = new Random(3);
        for (int i = 0; i < n; i++) {
            values[i] = (float) rnd.nextGaussian();
        }
        Path file = dir.resolve("big.safetensors");
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(n), TensorData.of(values)).write(file);
        CountingSource source = new CountingSource(PositionalFileSource.open(file));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SafeTensorsFile f = SafeTensorsFile.open(source, 100_000_000)) {
            Conversion.of(f.tensor("w"), DType.BF16, Overflow.NON_SATURATING, SubBytePacking.DEFAULT).writeTo(b -> out.writeBytes(b.toArray(ValueLayout.JAVA_BYTE)));
        }
        assertThat(source.largestRead()).as("largest single read").isLessThanOrEqualTo(1 << 20);
        MemorySegment bf16 = MemorySegment.ofArray(out.toByteArray());
        assertThat(bf16.byteSize()).isEqualTo(2L * n);
        for (int i = 0; i < n; i += 4099) {
            assertThat(bf16.get(LE_SHORT, 2L * i)).isEqualTo(FloatEncoder.toBF16(values[i], Overflow.NON_SATURATING));
        }
    }

    @Test
    void defaultsAreTheCastsOfPyTorchAndNumpy() {
        for (DType t : new DType[] {DType.F16, DType.BF16, DType.F32, DType.F8_E5M2}) {
            assertThat(Overflow.defaultFor(t)).as("%s", t).isEqualTo(Overflow.NON_SATURATING);
        }
        for (DType t : new DType[] {DType.F8_E4M3, DType.F8_E4M3FNUZ, DType.F8_E5M2FNUZ, DType.F8_E8M0}) {
            assertThat(Overflow.defaultFor(t)).as("%s", t).isEqualTo(Overflow.SATURATE);
        }
    }

    /**
     * Codes from the layouts of docs/format.md#narrow-floats: saturation clamps finite overflow to max (0x7E, 0x7B, 0x7F) and leaves an
     * infinity infinite (E5M2 0x7C) or NaN where there is no infinity (E4M3 0x7F, FNUZ 0x80).
     */
    @Test
    void saturationNeverMakesAnInfinityFinite() {
        float[] x = {INF, -INF, 1e6f, -1e6f, Float.NaN};
        assertThat(f8(x, DType.F8_E5M2, Overflow.SATURATE)).containsExactly(0x7C, 0xFC, 0x7B, 0xFB, 0x7F);
        assertThat(f8(x, DType.F8_E5M2, Overflow.NON_SATURATING)).containsExactly(0x7C, 0xFC, 0x7C, 0xFC, 0x7F);
        assertThat(f8(x, DType.F8_E4M3, Overflow.SATURATE)).containsExactly(0x7F, 0xFF, 0x7E, 0xFE, 0x7F);
        assertThat(f8(x, DType.F8_E4M3, Overflow.NON_SATURATING)).containsExactly(0x7F, 0xFF, 0x7F, 0xFF, 0x7F);
        assertThat(f8(x, DType.F8_E4M3FNUZ, Overflow.SATURATE)).containsExactly(0x80, 0x80, 0x7F, 0xFF, 0x80);
        assertThat(f8(x, DType.F8_E5M2FNUZ, Overflow.SATURATE)).containsExactly(0x80, 0x80, 0x7F, 0xFF, 0x80);
        assertThat(FloatEncoder.toBF16(INF, Overflow.SATURATE)).isEqualTo((short) 0x7F80);
        assertThat(FloatEncoder.toBF16(-INF, Overflow.SATURATE)).isEqualTo((short) 0xFF80);
        assertThat(FloatEncoder.toBF16(Float.MAX_VALUE, Overflow.SATURATE)).isEqualTo((short) 0x7F7F);
    }

    /**
     * Counts against the formats' own thresholds (docs/format.md#narrow-floats): F8_E4M3 leaves its range above 464 (the tie
     * 464 keeps 448), F8_E5M2 and F8_E5M2FNUZ at 61440 (the tie goes to the next, even code), F8_E4M3FNUZ at
     * 248, F16 at 65520; what leaves becomes Inf, max or NaN as the target and the mode say.
     */
    @Test
    void countsWhatLeftTheRange() {
        float[] x = sweep();
        check(x, DType.F16, 65520, true, Overflow.NON_SATURATING, Fate.INF, Fate.KEPT);
        check(x, DType.F16, 65520, true, Overflow.SATURATE, Fate.MAX, Fate.KEPT);
        check(x, DType.BF16, 0x1.ffp127, true, Overflow.NON_SATURATING, Fate.INF, Fate.KEPT);
        check(x, DType.F8_E5M2, 61440, true, Overflow.NON_SATURATING, Fate.INF, Fate.KEPT);
        check(x, DType.F8_E5M2, 61440, true, Overflow.SATURATE, Fate.MAX, Fate.KEPT);
        check(x, DType.F8_E4M3, 464, false, Overflow.SATURATE, Fate.MAX, Fate.NAN);
        check(x, DType.F8_E4M3, 464, false, Overflow.NON_SATURATING, Fate.NAN, Fate.NAN);
        check(x, DType.F8_E4M3FNUZ, 248, true, Overflow.SATURATE, Fate.MAX, Fate.NAN);
        check(x, DType.F8_E5M2FNUZ, 61440, true, Overflow.NON_SATURATING, Fate.NAN, Fate.NAN);
    }

    enum Fate { INF, MAX, NAN, KEPT }

    private static void check(float[] x, DType target, double threshold, boolean tieLeaves, Overflow mode,
            Fate overflow, Fate infinity) {
        long[] expected = new long[3];
        for (float v : x) {
            float a = Math.abs(v);
            Fate fate = Float.isNaN(v) ? Fate.KEPT : Float.isInfinite(v) ? infinity
                    : a > threshold || a == threshold && tieLeaves ? overflow : Fate.KEPT;
            switch (fate) {
                case INF -> expected[0]++;
                case MAX -> expected[1]++;
                case NAN -> expected[2]++;
                case KEPT -> { }
            }
        }
        ConversionCounts counts = new ConversionCounts();
        MemorySegment out = MemorySegment.ofArray(new byte[x.length * 2]);
        FloatEncoder.encode(x, 0, x.length, target, mode, out, counts);
        assertThat(new long[] {counts.overflowed(), counts.saturated(), counts.becameNaN()})
                .as("%s %s", target, mode).containsExactly(expected);
        assertThat(counts.values()).isEqualTo(x.length);
        assertThat(counts.outOfRange()).isPositive();
    }

    /** Values around every threshold, both signs, infinities, NaN and random magnitudes. */
    private static float[] sweep() {
        java.util.List<Float> v = new java.util.ArrayList<>();
        for (float t : new float[] {448, 464, 480, 240, 248, 256, 57344, 61440, 65504, 65520, 65536, 1e6f,
                Float.MAX_VALUE, 0x1.fep127f, 0x1.ffp127f, 1, 0}) {
            for (float s : new float[] {t, Math.nextUp(t), Math.nextDown(t), -t, -Math.nextUp(t)}) {
                v.add(s);
            }
        }
        v.add(INF);
        v.add(-INF);
        v.add(Float.NaN);
        Random rnd = new Random(5);
        for (int i = 0; i < 5000; i++) {
            v.add((float) Math.scalb(rnd.nextDouble() * (rnd.nextBoolean() ? 1 : -1), rnd.nextInt(40) - 10));
        }
        float[] a = new float[v.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = v.get(i);
        }
        return a;
    }

    /**
     * Integers wider than a float's 24-bit significand round once: 2^24 + 2^16 + 1 is above the BF16 midpoint
     * 2^24 + 2^16 and rounds up to 0x4B81, though as a float it is that midpoint, which would round down to
     * 0x4B80; the same for the unsigned 2^63 + 2^55 + 1 (0x5F01, not 0x5F00) and 2^24 + 1 as I32 in F16 (Inf).
     */
    @Test
    void wideIntegersRoundOnce() throws IOException {
        Path file = dir.resolve("ints.safetensors");
        SafeTensorsWriter.create()
                .add("i64", DType.I64, Shape.of(3), TensorData.of(new long[] {(1L << 24) + (1L << 16) + 1,
                        -((1L << 24) + (1L << 16) + 1), (1L << 24) + (1L << 16)}))
                .add("u64", DType.U64, Shape.of(2), TensorData.of(new long[] {(1L << 63) + (1L << 55) + 1, -1}))
                .add("i32", DType.I32, Shape.of(3), TensorData.of(new int[] {(1 << 24) + (1 << 16) + 1, 65519, 65520}))
                .write(file);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertThat(convert(f.tensor("i64"), DType.BF16)).containsExactly(0x4B81, 0xCB81, 0x4B80);
            // 2^64 - 1 rounds to 2^64 = 0x5F80.
            assertThat(convert(f.tensor("u64"), DType.BF16)).containsExactly(0x5F01, 0x5F80);
            assertThat(convert(f.tensor("i32"), DType.BF16)).startsWith(0x4B81);
            assertThat(convert(f.tensor("i32"), DType.F16)).containsExactly(0x7C00, 0x7BFF, 0x7C00);
        }
    }

    /** Round-to-odd narrowing (the first of the two roundings) at its edges. */
    @Test
    void roundToOddEdges() {
        assertThat(RoundToOdd.toDouble((1L << 53) + 1)).isEqualTo(0x1p53 + 2);
        assertThat(RoundToOdd.toDouble((1L << 53) + 3)).isEqualTo(0x1p53 + 2);
        assertThat(RoundToOdd.toDouble((1L << 53) + 2)).isEqualTo(0x1p53 + 2);
        assertThat(RoundToOdd.toDouble(Long.MAX_VALUE)).isEqualTo(Math.nextDown(0x1p63));
        assertThat(RoundToOdd.toDouble(Long.MIN_VALUE)).isEqualTo(-0x1p63);
        assertThat(RoundToOdd.toDouble(Long.MIN_VALUE + 1)).isEqualTo(Math.nextUp(-0x1p63));
        assertThat(RoundToOdd.toDoubleUnsigned(-1L)).isEqualTo(Math.nextDown(0x1p64));
        assertThat(RoundToOdd.toDoubleUnsigned(1L << 63)).isEqualTo(0x1p63);
        assertThat(RoundToOdd.toFloat(1e300)).isEqualTo(Float.MAX_VALUE);
        assertThat(RoundToOdd.toFloat(-1e300)).isEqualTo(-Float.MAX_VALUE);
        assertThat(RoundToOdd.toFloat(1e-50)).isEqualTo(Float.MIN_VALUE);
        assertThat(RoundToOdd.toFloat(-1e-50)).isEqualTo(-Float.MIN_VALUE);
        assertThat(RoundToOdd.toFloat(1.0 + 0x1p-30)).isEqualTo(Math.nextUp(1.0f));
        assertThat(RoundToOdd.toFloat(1.0 - 0x1p-30)).isEqualTo(Math.nextDown(1.0f));
        assertThat(RoundToOdd.toFloat(-0.0)).isEqualTo(-0.0f);
        assertThat(RoundToOdd.toFloat(Double.NEGATIVE_INFINITY)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(RoundToOdd.toFloat(Double.NaN)).isNaN();
    }

    @Test
    void refusesWhatItCannotDecodeWhenAsked() throws IOException {
        Path file = dir.resolve("odd.safetensors");
        SafeTensorsWriter.create()
                .add("c", DType.C64, Shape.of(1), TensorData.of(new float[] {1, 2}))
                .add("f6", DType.F6_E2M3, Shape.of(4), TensorData.of(new byte[3]))
                .write(file);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertThatThrownBy(() -> Conversion.of(f.tensor("c"), DType.F16)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("`c`").hasMessageContaining("C64");
            assertThatThrownBy(() -> Conversion.of(f.tensor("f6"), DType.F16)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("`f6`").hasMessageContaining("withF6");
            assertThat(shorts(Conversion.of(f.tensor("f6"), DType.F16, Overflow.NON_SATURATING,
                    SubBytePacking.DEFAULT.withF6(SubBytePacking.F6Order.LSB_FIRST)))).containsExactly(0, 0, 0, 0);
        }
    }

    private static int[] convert(dev.safetensors.Tensor t, DType target) throws IOException {
        return shorts(Conversion.of(t, target, Overflow.NON_SATURATING, SubBytePacking.DEFAULT));
    }

    private static int[] f8(float[] x, DType target, Overflow mode) {
        MemorySegment out = MemorySegment.ofArray(new byte[x.length]);
        FloatEncoder.encode(x, 0, x.length, target, mode, out);
        int[] codes = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            codes[i] = out.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
        }
        return codes;
    }

    private static int[] shorts(TensorData data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        data.writeTo(b -> out.writeBytes(b.toArray(ValueLayout.JAVA_BYTE)));
        MemorySegment s = MemorySegment.ofArray(out.toByteArray());
        int[] v = new int[(int) (s.byteSize() / 2)];
        for (int i = 0; i < v.length; i++) {
            v[i] = s.get(LE_SHORT, 2L * i) & 0xFFFF;
        }
        return v;
    }
}
