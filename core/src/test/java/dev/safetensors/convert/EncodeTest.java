package dev.safetensors.convert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.internal.convert.MiniFloat;
import dev.safetensors.internal.convert.E8M0Codec;
import dev.safetensors.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Round-to-nearest-even encoders against the formats' worked examples (layouts: docs/format.md#narrow-floats), ties, overflow, NaN and zeros. */
class EncodeTest {
    private static final List<MiniFloat> F8 = List.of(MiniFloat.E4M3FN, MiniFloat.E5M2, MiniFloat.E4M3FNUZ, MiniFloat.E5M2FNUZ);

    private static int enc(MiniFloat f, double x, Overflow o) {
        return f.encode((float) x, o);
    }

    @Test
    void e4m3WorkedExamples() {
        MiniFloat f = MiniFloat.E4M3FN;
        assertThat(enc(f, 0.1, Overflow.NON_SATURATING)).isEqualTo(0x1D);
        assertThat(enc(f, Math.PI, Overflow.NON_SATURATING)).isEqualTo(0x45);
        assertThat(enc(f, -0.3, Overflow.NON_SATURATING)).isEqualTo(0xAA);
        assertThat(enc(f, 300, Overflow.NON_SATURATING)).isEqualTo(0x79);
        assertThat(enc(f, 464, Overflow.NON_SATURATING)).isEqualTo(0x7E);   // tie 448/480 → even
        assertThat(enc(f, 470, Overflow.SATURATE)).isEqualTo(0x7E);
        assertThat(enc(f, 470, Overflow.NON_SATURATING)).isEqualTo(0x7F);  // PyTorch: NaN
        assertThat(enc(f, 480, Overflow.NON_SATURATING)).isEqualTo(0x7F);
        assertThat(enc(f, -1e9, Overflow.SATURATE)).isEqualTo(0xFE);
        assertThat(enc(f, Double.POSITIVE_INFINITY, Overflow.NON_SATURATING)).isEqualTo(0x7F);
    }

    @Test
    void e5m2WorkedExamples() {
        MiniFloat f = MiniFloat.E5M2;
        assertThat(enc(f, 0.1, Overflow.NON_SATURATING)).isEqualTo(0x2E);
        assertThat(enc(f, Math.PI, Overflow.NON_SATURATING)).isEqualTo(0x42);
        assertThat(enc(f, -0.3, Overflow.NON_SATURATING)).isEqualTo(0xB5);
        assertThat(enc(f, 50000, Overflow.NON_SATURATING)).isEqualTo(0x7A);
        assertThat(enc(f, 61439, Overflow.NON_SATURATING)).isEqualTo(0x7B);
        assertThat(enc(f, 61440, Overflow.NON_SATURATING)).isEqualTo(0x7C);  // tie → Inf (even)
        assertThat(enc(f, 61440, Overflow.SATURATE)).isEqualTo(0x7B);
        assertThat(enc(f, -70000, Overflow.NON_SATURATING)).isEqualTo(0xFC);
    }

    @Test
    void fnuzWorkedExamples() {
        assertThat(enc(MiniFloat.E4M3FNUZ, 0.1, Overflow.NON_SATURATING)).isEqualTo(0x25);
        assertThat(enc(MiniFloat.E5M2FNUZ, 0.1, Overflow.NON_SATURATING)).isEqualTo(0x32);
        assertThat(enc(MiniFloat.E4M3FNUZ, Math.PI, Overflow.NON_SATURATING)).isEqualTo(0x4D);
        assertThat(enc(MiniFloat.E5M2FNUZ, Math.PI, Overflow.NON_SATURATING)).isEqualTo(0x46);
        assertThat(enc(MiniFloat.E4M3FNUZ, 300, Overflow.NON_SATURATING)).isEqualTo(0x80);
        assertThat(enc(MiniFloat.E4M3FNUZ, 300, Overflow.SATURATE)).isEqualTo(0x7F);
        assertThat(enc(MiniFloat.E4M3FNUZ, -0.0, Overflow.NON_SATURATING)).isEqualTo(0x00);   // no -0
        assertThat(enc(MiniFloat.E4M3FNUZ, Double.NaN, Overflow.SATURATE)).isEqualTo(0x80);
    }

    @Test
    void f4WorkedExamples() {
        MiniFloat f = MiniFloat.E2M1;
        double[] x = {0.25, 0.75, 1.25, 2.5, 3.5, 5.0, 7.0, 100};
        int[] code = {0x0, 0x2, 0x2, 0x4, 0x6, 0x6, 0x7, 0x7};
        for (int i = 0; i < x.length; i++) {
            assertThat(enc(f, x[i], Overflow.NON_SATURATING)).as("%s", x[i]).isEqualTo(code[i]);
        }
    }

    /** Every finite code survives decode → encode, and every midpoint goes to the even neighbour. */
    @Test
    void everyCodeRoundTripsAndTiesGoToEven() {
        for (MiniFloat f : F8) {
            int codes = 1 << f.bits();
            for (int c = 0; c < codes; c++) {
                float v = f.decode(c);
                if (!Float.isFinite(v)) {
                    continue;
                }
                int expected = (v == 0 && f == MiniFloat.E4M3FNUZ || v == 0 && f == MiniFloat.E5M2FNUZ) ? 0 : c;
                assertThat(f.encode(v, Overflow.NON_SATURATING)).as("%s code %02x", f, c).isEqualTo(expected);
                int next = c + 1;
                if (c < codes / 2 - 1 && Float.isFinite(f.decode(next))) {
                    float mid = (float) (((double) v + f.decode(next)) / 2);
                    int even = (c & 1) == 0 ? c : next;
                    assertThat(f.encode(mid, Overflow.NON_SATURATING)).as("%s tie above %02x", f, c).isEqualTo(even);
                    assertThat(f.encode(Math.nextUp(mid), Overflow.NON_SATURATING)).isEqualTo(next);
                    assertThat(f.encode(Math.nextDown(mid), Overflow.NON_SATURATING)).isEqualTo(c);
                }
            }
        }
    }

    @Test
    void signedZerosAndSubnormals() {
        assertThat(enc(MiniFloat.E4M3FN, 0.0, Overflow.SATURATE)).isEqualTo(0x00);
        assertThat(enc(MiniFloat.E4M3FN, -0.0, Overflow.SATURATE)).isEqualTo(0x80);
        assertThat(enc(MiniFloat.E5M2, -0.0, Overflow.SATURATE)).isEqualTo(0x80);
        assertThat(enc(MiniFloat.E5M2FNUZ, -0.0, Overflow.SATURATE)).isEqualTo(0x00);
        // Smallest subnormal 2^-9 (E4M3) and half of it: the tie rounds to even, i.e. to zero.
        assertThat(enc(MiniFloat.E4M3FN, 0x1p-9, Overflow.SATURATE)).isEqualTo(0x01);
        assertThat(enc(MiniFloat.E4M3FN, 0x1p-10, Overflow.SATURATE)).isEqualTo(0x00);
        assertThat(enc(MiniFloat.E4M3FN, -0x1.8p-9, Overflow.SATURATE)).isEqualTo(0x82);
        assertThat(enc(MiniFloat.E5M2, 0x1p-17, Overflow.SATURATE)).isEqualTo(0x00);
        assertThat(enc(MiniFloat.E5M2, 0x1.000002p-17, Overflow.SATURATE)).isEqualTo(0x01);
        assertThat(FloatEncoder.toF16(0x1p-25f, Overflow.NON_SATURATING)).isEqualTo((short) 0);
        assertThat(FloatEncoder.toBF16(Float.MIN_VALUE, Overflow.NON_SATURATING)).isEqualTo((short) 0);
    }

    @Test
    void bf16WorkedExamples() {
        int[][] cases = {{0x40490FDB, 0x4049}, {0x3F808000, 0x3F80}, {0x3F818000, 0x3F82}, {0x3F808001, 0x3F81},
                {0x7F7FFFFF, 0x7F80}, {0x7F800001, 0x7FC0}, {0x7FFFFFFF, 0x7FC0}};
        for (int[] c : cases) {
            assertThat(FloatEncoder.toBF16(Float.intBitsToFloat(c[0]), Overflow.NON_SATURATING) & 0xFFFF)
                    .as("%08x", c[0]).isEqualTo(c[1]);
        }
        assertThat(FloatEncoder.toBF16(Float.intBitsToFloat(0x7F7FFFFF), Overflow.SATURATE) & 0xFFFF).isEqualTo(0x7F7F);
        assertThat(FloatEncoder.toBF16(-0.0f, Overflow.SATURATE) & 0xFFFF).isEqualTo(0x8000);
    }

    @Test
    void f16WorkedExamples() {
        assertThat(FloatEncoder.toF16((float) Math.PI, Overflow.NON_SATURATING) & 0xFFFF).isEqualTo(0x4248);
        assertThat(FloatEncoder.toF16(1f / 3, Overflow.NON_SATURATING) & 0xFFFF).isEqualTo(0x3555);
        assertThat(FloatEncoder.toF16(65519, Overflow.NON_SATURATING) & 0xFFFF).isEqualTo(0x7BFF);
        assertThat(FloatEncoder.toF16(65520, Overflow.NON_SATURATING) & 0xFFFF).isEqualTo(0x7C00);
        assertThat(FloatEncoder.toF16(65520, Overflow.SATURATE) & 0xFFFF).isEqualTo(0x7BFF);
    }

    @Test
    void e8m0Examples() {
        assertThat(E8M0Codec.encode(3.0f)).isEqualTo(0x81);
        assertThat(E8M0Codec.encode(1.5f)).isEqualTo(0x80);
        assertThat(E8M0Codec.encode(0.75f)).isEqualTo(0x7F);
        assertThat(E8M0Codec.encode(1.0f)).isEqualTo(0x7F);
        assertThat(E8M0Codec.encode(0f)).isEqualTo(0xFF);
        assertThat(E8M0Codec.encode(-2f)).isEqualTo(0xFF);
        for (int c = 0; c < 255; c++) {
            assertThat(E8M0Codec.encode(E8M0Codec.decode(c))).isEqualTo(c);
        }
    }

    @Test
    void bulkEncodeWritesLittleEndianCodes() {
        float[] v = {1f, -2f, 0.5f};
        MemorySegment out = MemorySegment.ofArray(new byte[6]);
        FloatEncoder.encode(v, 0, 3, DType.BF16, Overflow.NON_SATURATING, out);
        assertThat(out.toArray(ValueLayout.JAVA_BYTE)).containsExactly(0x80, 0x3F, 0x00, 0xC0, 0x00, 0x3F);
        MemorySegment f8 = MemorySegment.ofArray(new byte[3]);
        FloatEncoder.encode(v, 0, 3, DType.F8_E4M3, Overflow.SATURATE, f8);
        assertThat(f8.toArray(ValueLayout.JAVA_BYTE)).containsExactly(0x38, 0xC0, 0x30);
    }

    /** E2M1 (docs/format.md#narrow-floats): the public F4 encoder, scalar and packed low nibble first, as the table's worked examples. */
    @Test
    void f4PublicEncoder() {
        double[] x = {0.25, 0.75, 1.25, 2.5, 3.5, 5.0, 7.0, 100, -0.5, -6, -1e9};
        int[] code = {0x0, 0x2, 0x2, 0x4, 0x6, 0x6, 0x7, 0x7, 0x9, 0xF, 0xF};
        for (int i = 0; i < x.length; i++) {
            assertThat(FloatEncoder.toF4((float) x[i])).as("%s", x[i]).isEqualTo(code[i]);
        }
        assertThat(FloatEncoder.toF4(Float.NaN)).isZero();
        float[] v = {-6f, 1f, 0.5f};   // codes F, 2, 1: bytes 0x2F, then 0x01 with an empty high nibble
        MemorySegment out = MemorySegment.ofArray(new byte[2]);
        FloatEncoder.encode(v, 0, 3, DType.F4, Overflow.NON_SATURATING, out);
        assertThat(out.toArray(ValueLayout.JAVA_BYTE)).containsExactly(0x2F, 0x01);
        assertThat(FloatEncoder.canEncode(DType.F4)).isTrue();
    }

    /** Every F4 code decodes and encodes back to itself (−0 included), through the public decoder. */
    @Test
    void f4EveryCodeRoundTrips() {
        byte[] pairs = new byte[8];
        for (int i = 0; i < 8; i++) {
            pairs[i] = (byte) (2 * i | (2 * i + 1) << 4);
        }
        float[] values = new float[16];
        FloatDecoder.decode(DType.F4, MemorySegment.ofArray(pairs), values, 0, SubBytePacking.DEFAULT);
        MemorySegment again = MemorySegment.ofArray(new byte[8]);
        FloatEncoder.encode(values, 0, 16, DType.F4, Overflow.SATURATE, again);
        assertThat(again.toArray(ValueLayout.JAVA_BYTE)).containsExactly(pairs);
    }

    @Test
    void f8ScalarEncoderMatchesTheBulkOne() {
        assertThat(FloatEncoder.toF8(0.1f, DType.F8_E4M3, Overflow.NON_SATURATING)).isEqualTo(0x1D);
        assertThat(FloatEncoder.toF8(470f, DType.F8_E4M3, Overflow.SATURATE)).isEqualTo(0x7E);
        assertThat(FloatEncoder.toF8(470f, DType.F8_E4M3, Overflow.NON_SATURATING)).isEqualTo(0x7F);
        assertThat(FloatEncoder.toF8(50000f, DType.F8_E5M2, Overflow.NON_SATURATING)).isEqualTo(0x7A);
        assertThat(FloatEncoder.toF8((float) Math.PI, DType.F8_E4M3FNUZ, Overflow.NON_SATURATING)).isEqualTo(0x4D);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FloatEncoder.toF8(1f, DType.F16, Overflow.SATURATE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
