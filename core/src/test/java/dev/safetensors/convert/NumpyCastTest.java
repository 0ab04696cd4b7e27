package dev.safetensors.convert;

import dev.safetensors.testing.NumpyPython;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.testing.NumpyPython;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Narrowing casts held to independent references: NumPy's {@code astype(float16)} and {@code astype(float32)}
 * for F16 and F32 (from float32 and float64 values), and a bfloat16 round-to-nearest-even written here from
 * its definition (nearest of the two neighbours, ties to the even one, past the largest finite value to Inf).
 * The values cover every F16 value, every midpoint between neighbours and the floats beside it, subnormals,
 * the largest finite values, overflow, ±Inf, NaNs, signed zeros and random bit patterns. Float64 inputs add
 * values a hair off each midpoint, where rounding twice (to float32 first) gives the wrong neighbour.
 */
class NumpyCastTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    static Path dir;
    static String python;
    static float[] floats;
    static double[] doubles;

    @BeforeAll
    static void values() {
        python = NumpyPython.find();
        floats = floatCases();
        doubles = doubleCases();
    }

    // ---------------------------------------------------------------- F16 against NumPy

    @Test
    void floatToF16MatchesNumpy() throws Exception {
        short[] numpy = shorts(numpy("<f4", "<f2", floatBytes(floats)));
        short[] ours = shorts(encode(floats, DType.F16, Overflow.NON_SATURATING));
        for (int i = 0; i < floats.length; i++) {
            assertSameF16(ours[i], numpy[i], label(floats[i]));
        }
    }

    /** Saturation clamps finite values that NumPy takes to Inf, and only those: Inf stays Inf. */
    @Test
    void saturatingF16ClampsFiniteOverflowOnly() throws Exception {
        short[] numpy = shorts(numpy("<f4", "<f2", floatBytes(floats)));
        short[] ours = shorts(encode(floats, DType.F16, Overflow.SATURATE));
        int clamped = 0;
        for (int i = 0; i < floats.length; i++) {
            short expected = numpy[i];
            if (Float.isFinite(floats[i]) && (expected & 0x7FFF) == 0x7C00) {
                expected = (short) ((expected & 0x8000) | 0x7BFF);
                clamped++;
            }
            assertSameF16(ours[i], expected, label(floats[i]));
        }
        assertThat(clamped).as("the cases include finite overflow").isGreaterThan(100);
        assertThat(FloatEncoder.toF16(Float.POSITIVE_INFINITY, Overflow.SATURATE)).isEqualTo((short) 0x7C00);
        assertThat(FloatEncoder.toF16(Float.NEGATIVE_INFINITY, Overflow.SATURATE)).isEqualTo((short) 0xFC00);
    }

    /** A float64 tensor converted to F16 rounds once, from the double, as NumPy does. */
    @Test
    void doubleToF16MatchesNumpy() throws Exception {
        short[] numpy = shorts(numpy("<f8", "<f2", doubleBytes(doubles)));
        short[] ours = shorts(convert(doubles, DType.F16, Overflow.NON_SATURATING));
        for (int i = 0; i < doubles.length; i++) {
            assertSameF16(ours[i], numpy[i], label(doubles[i]));
        }
    }

    /** Float64 to F32: NumPy's cast; saturating clamps 1e300 to ±FLT_MAX rather than Inf. */
    @Test
    void doubleToF32MatchesNumpy() throws Exception {
        int[] numpy = ints(numpy("<f8", "<f4", doubleBytes(doubles)));
        int[] ours = ints(convert(doubles, DType.F32, Overflow.NON_SATURATING));
        int[] saturated = ints(convert(doubles, DType.F32, Overflow.SATURATE));
        int clamped = 0;
        for (int i = 0; i < doubles.length; i++) {
            String label = label(doubles[i]);
            assertSameF32(ours[i], numpy[i], label);
            int expected = numpy[i];
            if (Double.isFinite(doubles[i]) && Float.isInfinite(Float.intBitsToFloat(expected))) {
                expected = (expected & 0x80000000) | 0x7F7FFFFF;
                clamped++;
            }
            assertSameF32(saturated[i], expected, label);
        }
        assertThat(clamped).isGreaterThan(10);
    }

    /** The counts agree with NumPy: each finite value NumPy takes to Inf overflowed, or saturated when clamping. */
    @Test
    void countsAgreeWithNumpy() throws Exception {
        short[] f16 = shorts(numpy("<f4", "<f2", floatBytes(floats)));
        long expected = 0;
        for (int i = 0; i < floats.length; i++) {
            expected += Float.isFinite(floats[i]) && Float.isInfinite(Float.float16ToFloat(f16[i])) ? 1 : 0;
        }
        for (Overflow mode : Overflow.values()) {
            ConversionCounts counts = new ConversionCounts();
            FloatEncoder.encode(floats, 0, floats.length, DType.F16, mode, MemorySegment.ofArray(new byte[2 * floats.length]),
                    counts);
            assertThat(mode == Overflow.SATURATE ? counts.saturated() : counts.overflowed()).as("%s", mode).isEqualTo(expected);
            assertThat(counts.outOfRange()).isEqualTo(expected);
            assertThat(counts.values()).isEqualTo(floats.length);
        }
        short[] fromDoubles = shorts(numpy("<f8", "<f2", doubleBytes(doubles)));
        long expectedDoubles = 0;
        for (int i = 0; i < doubles.length; i++) {
            expectedDoubles += Double.isFinite(doubles[i]) && Float.isInfinite(Float.float16ToFloat(fromDoubles[i])) ? 1 : 0;
        }
        ConversionCounts counts = new ConversionCounts();
        FloatEncoder.encode(doubles, 0, doubles.length, DType.F16, Overflow.NON_SATURATING,
                MemorySegment.ofArray(new byte[2 * doubles.length]), counts);
        assertThat(counts.overflowed()).isEqualTo(expectedDoubles);
        assertThat(counts.saturated() + counts.becameNaN()).isZero();
    }

    // ---------------------------------------------------------------- BF16 against the definition

    @Test
    void floatToBf16IsRoundToNearestEven() {
        short[] ours = shorts(encode(floats, DType.BF16, Overflow.NON_SATURATING));
        short[] saturated = shorts(encode(floats, DType.BF16, Overflow.SATURATE));
        for (int i = 0; i < floats.length; i++) {
            String label = label(floats[i]);
            assertSameBf16(ours[i], bf16(floats[i], false), label);
            assertSameBf16(saturated[i], bf16(floats[i], true), label);
        }
    }

    @Test
    void doubleToBf16IsRoundToNearestEven() throws Exception {
        short[] ours = shorts(convert(doubles, DType.BF16, Overflow.NON_SATURATING));
        short[] saturated = shorts(convert(doubles, DType.BF16, Overflow.SATURATE));
        for (int i = 0; i < doubles.length; i++) {
            String label = label(doubles[i]);
            assertSameBf16(ours[i], bf16(doubles[i], false), label);
            assertSameBf16(saturated[i], bf16(doubles[i], true), label);
        }
    }

    /**
     * bfloat16 by its definition: 8 significant bits, normal exponents from -126, subnormal steps of 2^-133;
     * the nearer of the two neighbours, the even one on a tie; a result of 2^128 or more is Inf (or, when
     * saturating a finite value, the largest finite 0x7F7F). Returns -1 for NaN.
     */
    static int bf16(double x, boolean saturate) {
        if (Double.isNaN(x)) {
            return -1;
        }
        int sign = (Double.doubleToRawLongBits(x) < 0) ? 0x8000 : 0;
        double a = Math.abs(x);
        if (Double.isInfinite(a)) {
            return sign | 0x7F80;
        }
        int exponent = Math.max(Math.getExponent(a), -126);
        double quantum = Math.scalb(1.0, exponent - 7);
        double lo = Math.floor(a / quantum) * quantum;
        double mid = lo + quantum / 2;
        boolean loIsEven = ((long) (lo / quantum) & 1) == 0;
        double r = a > mid || (a == mid && !loIsEven) ? lo + quantum : lo;
        if (r >= 0x1p128) {
            return sign | (saturate ? 0x7F7F : 0x7F80);
        }
        return sign | (Float.floatToRawIntBits((float) r) >>> 16);
    }

    // ---------------------------------------------------------------- cases

    static float[] floatCases() {
        Floats v = new Floats();
        int[] specialBits = {0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001,
                0xFF800001, 0x7FFFFFFF, 0x7FA00000, 0x7F7FFFFF, 0xFF7FFFFF, 0x00000001, 0x80000001, 0x007FFFFF,
                0x00800000, 0x7F7F8000, 0x7F7F7FFF, 0x7F7F8001, 0x3F808000, 0x3F818000, 0x3F808001};
        for (int b : specialBits) {
            v.add(Float.intBitsToFloat(b));
        }
        for (float x : new float[] {65504, 65519, Math.nextDown(65520f), 65520, Math.nextUp(65520f), 65536, 1e5f,
                0x1p-24f, 0x1p-25f, Math.nextUp(0x1p-25f), 0x1.8p-24f, 0x1p-14f, Math.nextDown(0x1p-14f)}) {
            v.add(x);
            v.add(-x);
        }
        // Every finite F16 value, the midpoint to the next one up (65520 past the largest), the floats beside it.
        for (int c = 0; c < 0x7C00; c++) {
            float a = Float.float16ToFloat((short) c);
            float b = c + 1 == 0x7C00 ? 65536f : Float.float16ToFloat((short) (c + 1));
            float mid = (a + b) / 2;
            for (float x : new float[] {a, mid, Math.nextUp(mid), Math.nextDown(mid)}) {
                v.add(x);
                v.add(-x);
            }
        }
        // The same for bfloat16, over a spread of exponents.
        Random rnd = new Random(88);
        for (int i = 0; i < 20_000; i++) {
            int code = rnd.nextInt(0x7F80);
            float a = Float.intBitsToFloat(code << 16);
            float mid = Float.intBitsToFloat((code << 16) | 0x8000);
            v.add(a);
            v.add(-mid);
            v.add(Math.nextUp(mid));
            v.add(Math.nextDown(mid));
        }
        for (int i = 0; i < 100_000; i++) {
            v.add(Float.intBitsToFloat(rnd.nextInt()));
        }
        return v.toArray();
    }

    static double[] doubleCases() {
        Doubles v = new Doubles();
        for (double x : new double[] {0.0, 1e300, 1e39, Double.MAX_VALUE, Double.MIN_VALUE, Double.MIN_NORMAL,
                Float.MAX_VALUE, 0x1.fffffffp127, 0x1.ffffffp127, Math.nextDown(0x1.ffffffp127), Math.nextUp(0x1.ffffffp127),
                0x1p128, 0x1.fep127, 0x1.ffp127, Math.nextDown(0x1.ffp127), 65520, Math.nextDown(65520.0), 1e-46, 1e-320,
                0x1p-150, Math.nextUp(0x1p-150), 0x1p-134, Math.nextUp(0x1p-134), 0x1p-25, Math.nextUp(0x1p-25),
                Double.POSITIVE_INFINITY}) {
            v.add(x);
            v.add(-x);
        }
        v.add(Double.NaN);
        v.add(Double.longBitsToDouble(0x7FF0000000000001L));
        v.add(Double.longBitsToDouble(0xFFF8000000000000L));
        // F16 midpoints and doubles a hair either side: float32 cannot tell them from the midpoint itself.
        for (int c = 0; c < 0x7C00; c++) {
            double a = Float.float16ToFloat((short) c);
            double b = c + 1 == 0x7C00 ? 65536 : Float.float16ToFloat((short) (c + 1));
            double mid = (a + b) / 2;
            for (double x : new double[] {mid, mid * (1 + 0x1p-40), mid * (1 - 0x1p-40), Math.nextUp(mid),
                    Math.nextDown(mid)}) {
                v.add(x);
                v.add(-x);
            }
        }
        // The same for bfloat16 midpoints.
        Random rnd = new Random(89);
        for (int i = 0; i < 20_000; i++) {
            double mid = Float.intBitsToFloat((rnd.nextInt(0x7F80) << 16) | 0x8000);
            v.add(mid);
            v.add(-mid * (1 + 0x1p-40));
            v.add(mid * (1 - 0x1p-40));
        }
        for (int i = 0; i < 50_000; i++) {
            v.add(Double.longBitsToDouble(rnd.nextLong()));
            // Mostly in float range: exponent within ±140.
            long bits = (rnd.nextLong() & 0x800FFFFFFFFFFFFFL) | ((long) (1023 - 140 + rnd.nextInt(281)) << 52);
            v.add(Double.longBitsToDouble(bits));
        }
        return v.toArray();
    }

    // ---------------------------------------------------------------- plumbing

    /** Collects floats by their raw bits, so NaN payloads arrive as written. */
    private static final class Floats {
        final IntStream.Builder bits = IntStream.builder();

        void add(float x) {
            bits.add(Float.floatToRawIntBits(x));
        }

        float[] toArray() {
            int[] b = bits.build().toArray();
            float[] f = new float[b.length];
            for (int i = 0; i < b.length; i++) {
                f[i] = Float.intBitsToFloat(b[i]);
            }
            return f;
        }
    }

    private static final class Doubles {
        final DoubleStream.Builder values = DoubleStream.builder();

        void add(double x) {
            values.add(x);
        }

        double[] toArray() {
            return values.build().toArray();
        }
    }

    private static byte[] encode(float[] values, DType target, Overflow overflow) {
        MemorySegment out = MemorySegment.ofArray(new byte[values.length * target.bits() / 8]);
        FloatEncoder.encode(values, 0, values.length, target, overflow, out);
        return out.toArray(ValueLayout.JAVA_BYTE);
    }

    /** The values as an F64 tensor in a file, re-encoded by {@link Conversion}. */
    private static byte[] convert(double[] values, DType target, Overflow overflow) throws IOException {
        Path file = Files.createTempFile(dir, "f64", ".safetensors");
        SafeTensorsWriter.create().add("x", DType.F64, Shape.of(values.length), TensorData.of(values)).write(file);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            Conversion.of(f.tensor("x"), target, overflow, SubBytePacking.DEFAULT)
                    .writeTo(bytes -> out.writeBytes(bytes.toArray(ValueLayout.JAVA_BYTE)));
        }
        return out.toByteArray();
    }

    private static byte[] numpy(String src, String dst, byte[] input) throws Exception {
        Path script = dir.resolve("cast_oracle.py");
        if (!Files.exists(script)) {
            try (var in = NumpyCastTest.class.getResourceAsStream("/numpy/cast_oracle.py")) {
                Files.write(script, in.readAllBytes());
            }
        }
        Path in = Files.write(Files.createTempFile(dir, "in", ".bin"), input);
        Path out = Files.createTempFile(dir, "out", ".bin");
        Process p = new ProcessBuilder(python, script.toString(), src, dst, in.toString(), out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        return Files.readAllBytes(out);
    }

    private static String label(float x) {
        return "float " + x + " (bits " + Integer.toHexString(Float.floatToRawIntBits(x)) + ")";
    }

    private static String label(double x) {
        return "double " + x + " (bits " + Long.toHexString(Double.doubleToRawLongBits(x)) + ")";
    }

    private static void assertSameF16(short ours, short expected, String label) {
        if (Float.isNaN(Float.float16ToFloat(expected))) {
            assertThat(Float.isNaN(Float.float16ToFloat(ours))).as(label + ": NaN, got %04x", ours).isTrue();
        } else {
            assertThat(ours & 0xFFFF).as(label).isEqualTo(expected & 0xFFFF);
        }
    }

    private static void assertSameF32(int ours, int expected, String label) {
        if (Float.isNaN(Float.intBitsToFloat(expected))) {
            assertThat(Float.isNaN(Float.intBitsToFloat(ours))).as(label + ": NaN, got %08x", ours).isTrue();
        } else {
            assertThat(ours).as(label).isEqualTo(expected);
        }
    }

    private static void assertSameBf16(short ours, int expected, String label) {
        if (expected < 0) {
            assertThat(Float.isNaN(Float.intBitsToFloat(ours << 16))).as(label + ": NaN, got %04x", ours).isTrue();
        } else {
            assertThat(ours & 0xFFFF).as(label).isEqualTo(expected);
        }
    }

    private static byte[] floatBytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putInt(Float.floatToRawIntBits(x));
        }
        return b.array();
    }

    private static byte[] doubleBytes(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            b.putLong(Double.doubleToRawLongBits(x));
        }
        return b.array();
    }

    private static short[] shorts(byte[] b) {
        short[] s = new short[b.length / 2];
        MemorySegment seg = MemorySegment.ofArray(b);
        for (int i = 0; i < s.length; i++) {
            s[i] = seg.get(LE_SHORT, 2L * i);
        }
        return s;
    }

    private static int[] ints(byte[] b) {
        int[] s = new int[b.length / 4];
        MemorySegment seg = MemorySegment.ofArray(b);
        for (int i = 0; i < s.length; i++) {
            s[i] = seg.get(LE_INT, 4L * i);
        }
        return s;
    }
}
