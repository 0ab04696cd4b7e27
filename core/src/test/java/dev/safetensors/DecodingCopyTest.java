package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.convert.SubBytePacking;
import dev.safetensors.internal.read.IntoMemory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code copyTo(dst, as)}: every dtype decoded into caller memory, checked against scalar references written
 * here (BF16 shift, F16 by the JDK, F8 by their formulas, round-to-nearest-even by search) and against the array
 * copy-outs, for whole tensors and strided slices, mapped, positional and in memory.
 */
class DecodingCopyTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Elements per tensor: more than one copy block (768 KiB) of every width, and not a multiple of 4. */
    private static final int N = 400_002;

    @TempDir
    static Path dir;

    enum Source { MMAP, PREAD, MEMORY }

    /** Every dtype with raw random bytes, so that every code of the narrow ones occurs. */
    private static Path everyDtype() {
        Path f = dir.resolve("every-dtype.safetensors");
        if (f.toFile().exists()) {
            return f;
        }
        SafeTensorsWriter w = SafeTensorsWriter.create();
        Random r = new Random(7);
        for (DType t : DType.values()) {
            long elements = t.isSubByte() ? (t == DType.F4 ? N - 2 : N - 2 - (N - 2) % 4) : N;
            byte[] raw = new byte[(int) (elements * t.bits() / 8)];
            r.nextBytes(raw);
            w.add(t.name().toLowerCase(), t, Shape.of(elements), TensorData.of(raw));
        }
        w.write(f);
        return f;
    }

    private static SafeTensorsFile open(Source source) throws IOException {
        Path f = everyDtype();
        return switch (source) {
            case MMAP -> SafeTensorsFile.open(f);
            case PREAD -> SafeTensorsFile.open(f, OpenOptions.defaults().withStrategy(ReadStrategy.PREAD));
            case MEMORY -> SafeTensorsFile.open(java.nio.file.Files.readAllBytes(f));
        };
    }

    private static float[] floats(MemorySegment m) {
        float[] out = new float[(int) (m.byteSize() / 4)];
        MemorySegment.copy(m, F32, 0, out, 0, out.length);
        return out;
    }

    @ParameterizedTest
    @EnumSource(Source.class)
    void wideningToF32MatchesScalarReferences(Source source) throws IOException {
        try (SafeTensorsFile file = open(source); Arena arena = Arena.ofConfined()) {
            for (DType t : List.of(DType.BF16, DType.F16, DType.F8_E4M3, DType.F8_E5M2)) {
                Tensor tensor = file.tensor(t.name().toLowerCase());
                byte[] raw = tensor.toByteArray();
                MemorySegment dst = arena.allocate(tensor.byteSize(DType.F32) + 1).asSlice(1);   // unaligned
                tensor.copyTo(dst, DType.F32);
                float[] got = floats(dst);
                MemorySegment in = MemorySegment.ofArray(raw);
                for (int i = 0; i < N; i++) {
                    float expected = switch (t) {
                        case BF16 -> Float.intBitsToFloat((in.get(I16, 2L * i) & 0xFFFF) << 16);
                        case F16 -> Float.float16ToFloat(in.get(I16, 2L * i));
                        case F8_E4M3 -> e4m3(raw[i] & 0xFF);
                        default -> e5m2(raw[i] & 0xFF);
                    };
                    if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(expected)
                            && !(Float.isNaN(got[i]) && Float.isNaN(expected))) {
                        throw new AssertionError(t + " element " + i + ": " + got[i] + ", expected " + expected);
                    }
                }
            }
        }
    }

    /** F8_E4M3 (float8_e4m3fn) by its definition: bias 7, subnormals, S.1111.111 the only NaN, no infinity. */
    private static float e4m3(int code) {
        int e = (code >> 3) & 0xF;
        int m = code & 7;
        if (e == 15 && m == 7) {
            return Float.NaN;
        }
        double v = e == 0 ? m / 8.0 * Math.pow(2, -6) : (1 + m / 8.0) * Math.pow(2, e - 7);
        return (float) ((code & 0x80) != 0 ? -v : v);
    }

    /** F8_E5M2 by its definition: IEEE-like, bias 15, infinities and NaNs at exponent 31. */
    private static float e5m2(int code) {
        int e = (code >> 2) & 0x1F;
        int m = code & 3;
        double v;
        if (e == 31) {
            v = m == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            v = e == 0 ? m / 4.0 * Math.pow(2, -14) : (1 + m / 4.0) * Math.pow(2, e - 15);
        }
        return (float) ((code & 0x80) != 0 ? -v : v);
    }

    @ParameterizedTest
    @EnumSource(Source.class)
    void everyConversionWritesWhatTheArrayCopyOutGives(Source source) throws IOException {
        try (SafeTensorsFile file = open(source); Arena arena = Arena.ofConfined()) {
            for (DType t : DType.values()) {
                TensorSlice tensor = file.tensor(t.name().toLowerCase()).slice("1000:41000");
                for (DType as : List.of(DType.F32, DType.F64, DType.I32, DType.I64)) {
                    Object expected;
                    try {
                        expected = switch (as) {
                            case F32 -> tensor.toFloatArray();
                            case F64 -> tensor.toDoubleArray();
                            case I32 -> tensor.toIntArray();
                            default -> tensor.toLongArray();
                        };
                    } catch (SafeTensorsException refused) {
                        assertThatThrownBy(() -> tensor.byteSize(as)).isInstanceOf(SafeTensorsException.class);
                        continue;
                    }
                    MemorySegment dst = arena.allocate(tensor.byteSize(as));
                    tensor.copyTo(dst, as);
                    Object got = switch (as) {
                        case F32 -> dst.toArray(F32);
                        case F64 -> dst.toArray(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
                        case I32 -> dst.toArray(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
                        default -> dst.toArray(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
                    };
                    assertThat(got).as(t + " as " + as).isEqualTo(expected);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Source.class)
    void stridedAndReversedSlicesDecodeAsTheirArrays(Source source) throws IOException {
        try (SafeTensorsFile file = open(source); Arena arena = Arena.ofConfined()) {
            for (DType t : List.of(DType.BF16, DType.F16, DType.F8_E5M2, DType.I8, DType.F64, DType.U64)) {
                Tensor tensor = file.tensor(t.name().toLowerCase());
                for (String expr : List.of("::3", "::-7", "1000:400000", "-1")) {
                    TensorSlice s = tensor.slice(expr);
                    MemorySegment dst = arena.allocate(Math.max(1, s.byteSize(DType.F32)));
                    s.copyTo(dst, DType.F32);
                    assertThat(dst.asSlice(0, s.byteSize(DType.F32)).toArray(F32)).as(t + "[" + expr + "]")
                            .isEqualTo(s.toFloatArray());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64", "F16", "BF16", "F8_E4M3"})
    void narrowingToF16AndBf16RoundsOnceToNearestEven(DType from) throws IOException {
        try (SafeTensorsFile file = open(Source.MMAP); Arena arena = Arena.ofConfined()) {
            Tensor tensor = file.tensor(from.name().toLowerCase());
            float[] values = tensor.toFloatArray();
            double[] exact = tensor.toDoubleArray();
            for (DType as : List.of(DType.F16, DType.BF16)) {
                MemorySegment dst = arena.allocate(tensor.byteSize(as));
                tensor.copyTo(dst, as);
                for (int i = 0; i < N; i++) {
                    short got = dst.get(I16, 2L * i);
                    // F64 is rounded once from its double (no detour through float), as Conversion rounds it.
                    double x = from == DType.F64 ? exact[i] : values[i];
                    short expected = as == DType.F16 ? f16Reference(x) : bf16Reference(x);
                    if (got != expected && !(isNaN(as, got) && Double.isNaN(x))) {
                        throw new AssertionError(from + " -> " + as + " element " + i + " (" + x + "): "
                                + Integer.toHexString(got & 0xFFFF) + ", expected " + Integer.toHexString(expected & 0xFFFF));
                    }
                }
            }
        }
    }

    private static boolean isNaN(DType as, short bits) {
        return as == DType.F16 ? Float.isNaN(Float.float16ToFloat(bits)) : Float.isNaN(Float.intBitsToFloat(bits << 16));
    }

    /** bfloat16 by search: the nearer of the two neighbours truncation gives, ties to the even one; past max, Inf. */
    private static short bf16Reference(double x) {
        if (Double.isNaN(x)) {
            return (short) 0x7FC0;
        }
        if (Double.isInfinite(x)) {
            return (short) (x > 0 ? 0x7F80 : 0xFF80);
        }
        // The BF16 values around x: truncate x's float toward zero, then step; a float rounded from x toward zero
        // keeps x between the two neighbours (x is a float value here, or a double whose bracket the float truncation
        // finds once the truncation error is removed).
        float t = (float) x;
        if (Math.abs((double) t) > Math.abs(x)) {
            t = Math.nextAfter(t, 0.0);       // round toward zero
        }
        int bits = Float.floatToRawIntBits(t);
        if (Math.abs(x) >= 0x1.fffffep127) {
            bits = Float.floatToRawIntBits(Math.copySign(Float.MAX_VALUE, (float) Math.signum(x)));
        }
        int lower = bits & 0xFFFF0000;
        double lo = Float.intBitsToFloat(lower);
        int upper = lower + 0x10000;
        double hi = (upper & 0x7FFFFFFF) == 0x7F800000 ? Math.copySign(Math.pow(2, 128), x) : Float.intBitsToFloat(upper);
        double dLo = Math.abs(x - lo);
        double dHi = Math.abs(hi - x);
        boolean up = dHi < dLo || (dHi == dLo && ((lower >>> 16) & 1) == 1);
        return (short) ((up ? upper : lower) >>> 16);
    }

    /** IEEE binary16 by search over the JDK's decoding of every code; past 65520, infinity. */
    private static short f16Reference(double x) {
        if (Double.isNaN(x)) {
            return (short) 0x7E00;
        }
        double a = Math.abs(x);
        int sign = Double.doubleToRawLongBits(x) < 0 ? 0x8000 : 0;
        if (a >= 65520) {
            return (short) (sign | 0x7C00);
        }
        int lo = 0;
        int hi = 0x7BFF;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (Float.float16ToFloat((short) mid) <= a) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        double below = Float.float16ToFloat((short) lo);
        double above = lo == 0x7BFF ? 65536 : Float.float16ToFloat((short) (lo + 1));
        int code = a - below > above - a || (a - below == above - a && (lo & 1) == 1) ? lo + 1 : lo;
        return (short) (sign | code);
    }

    @Test
    void undefinedConversionsAndSmallDestinationsAreRefusedBeforeAnyWrite() throws IOException {
        try (SafeTensorsFile file = open(Source.MMAP); Arena arena = Arena.ofConfined()) {
            Tensor f32 = file.tensor("f32");
            MemorySegment big = arena.allocate(16L * N);
            assertThatThrownBy(() -> f32.copyTo(big, DType.I32)).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidTensorView);
                assertThat(e.getMessage()).isEqualTo(file.description() + ": tensor `f32` of type F32 can't be decoded into I32");
            });
            assertThatThrownBy(() -> file.tensor("i32").copyTo(big, DType.BF16))
                    .hasMessageEndingWith("tensor `i32` of type I32 can't be decoded into BF16");
            assertThatThrownBy(() -> f32.copyTo(big, DType.U8))
                    .hasMessageEndingWith("tensor `f32` can't be decoded into U8 (copyTo(dst, as) writes F32, F64, I32, I64, F16, BF16 or the tensor's own dtype)");
            assertThatThrownBy(() -> file.tensor("f6_e2m3").copyTo(big, DType.F32))
                    .hasMessageEndingWith("tensor `f6_e2m3` is F6_E2M3, whose bit packing the format does not define");
            MemorySegment small = arena.allocate(4L * N - 1);
            small.fill((byte) 0x55);
            assertThatThrownBy(() -> file.tensor("bf16").copyTo(small, DType.F32)).isInstanceOfSatisfying(
                    SafeTensorsException.class, e -> assertThat(e.getMessage()).isEqualTo(file.description()
                            + ": destination has " + (4L * N - 1) + " bytes; tensor `bf16` as F32 needs " + 4L * N + " bytes"));
            assertThat(small.elements(ValueLayout.JAVA_BYTE).allMatch(b -> b.get(ValueLayout.JAVA_BYTE, 0) == 0x55)).isTrue();
            assertThatThrownBy(() -> f32.slice("0:10").copyTo(big.asReadOnly(), DType.F64))
                    .hasMessageEndingWith("destination is read-only; slice of tensor `f32` as F64 needs 80 bytes");
            assertThat(file.tensor("c64").byteSize(DType.F32)).isEqualTo(8L * N);   // (real, imaginary) pairs
            assertThat(file.tensor("f4").byteSize(DType.BF16)).isEqualTo(2L * (N - 2));
            assertThat(file.tensor("u8").byteSize(DType.U8)).isEqualTo(N);
        }
    }

    @Test
    void sameDtypeCopiesTheBytesAsTheyAre() throws IOException {
        try (SafeTensorsFile file = open(Source.PREAD); Arena arena = Arena.ofConfined()) {
            for (DType t : EnumSet.of(DType.F32, DType.F16, DType.BF16, DType.I32, DType.I64, DType.F64)) {
                Tensor tensor = file.tensor(t.name().toLowerCase());
                MemorySegment dst = arena.allocate(tensor.byteSize(t));
                tensor.copyTo(dst, t);
                assertThat(dst.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(tensor.toByteArray());
            }
        }
    }

    /**
     * Result positions past 2^32 elements: blocks handed to the sink at such offsets land at 4 × offset in a
     * destination of 2^34 + bytes (a sparse file mapped read-write: only the pages written are ever allocated).
     */
    @Test
    void positionsBeyondTwoToTheThirtyTwoElements() throws IOException {
        long elements = (1L << 32) + 8;
        Path out = dir.resolve("sparse-destination");
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.SPARSE); Arena arena = Arena.ofConfined()) {
            MemorySegment dst = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4 * elements, arena);
            MemorySegment block = MemorySegment.ofArray(new short[] {0x3F80, (short) 0xC000, 0x7F80, 0x0001});
            List<DType> froms = new ArrayList<>(List.of(DType.BF16, DType.I16));
            for (DType from : froms) {
                var sink = IntoMemory.sink(from, DType.F32, dst, SubBytePacking.DEFAULT);
                sink.accept(block, 2 * (elements - 4));
                sink.finish();
                float[] tail = dst.asSlice(4 * (elements - 4), 16).toArray(F32);
                assertThat(tail).as(from.name()).containsExactly(from == DType.BF16
                        ? new float[] {1f, -2f, Float.POSITIVE_INFINITY, Float.intBitsToFloat(0x10000)}
                        : new float[] {0x3F80, (short) 0xC000, 0x7F80, 1});
            }
        }
    }
}
