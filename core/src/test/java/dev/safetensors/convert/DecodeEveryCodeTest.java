package dev.safetensors.convert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every code of every floating dtype, decoded by the bulk kernels, against values computed here from the
 * bit layouts of docs/format.md#narrow-floats (sign, exponent, mantissa, bias, specials), written out per format.
 */
class DecodeEveryCodeTest {

    /** (−1)^s · 2^(e−bias) · (1 + m/2^mbits), or the subnormal form for e = 0. */
    static double layout(int code, int ebits, int mbits, int bias) {
        int s = (code >> (ebits + mbits)) & 1;
        int e = (code >> mbits) & ((1 << ebits) - 1);
        int m = code & ((1 << mbits) - 1);
        double mag = e == 0 ? Math.pow(2, 1 - bias) * m / (1 << mbits) : Math.pow(2, e - bias) * (1 + (double) m / (1 << mbits));
        return s == 1 ? -mag : mag;
    }

    static float[] decodeAll8(DType t) {
        byte[] codes = new byte[256];
        for (int c = 0; c < 256; c++) {
            codes[c] = (byte) c;
        }
        float[] out = new float[256];
        FloatDecoder.decode(t, MemorySegment.ofArray(codes), out, 0, SubBytePacking.DEFAULT);
        return out;
    }

    @Test
    void e4m3fnEveryCode() {
        float[] v = decodeAll8(DType.F8_E4M3);
        for (int c = 0; c < 256; c++) {
            if ((c & 0x7F) == 0x7F) {
                assertThat(v[c]).as("code %02x", c).isNaN();
            } else {
                assertThat((double) v[c]).as("code %02x", c).isEqualTo(layout(c, 4, 3, 7));
            }
        }
        assertThat(v[0x38]).isEqualTo(1.0f);
        assertThat(v[0x07]).isEqualTo(0.013671875f);
        assertThat(v[0xFE]).isEqualTo(-448f);
        assertThat(v[0x80]).isEqualTo(-0.0f);
    }

    @Test
    void e5m2EveryCode() {
        float[] v = decodeAll8(DType.F8_E5M2);
        for (int c = 0; c < 256; c++) {
            int e = (c >> 2) & 0x1F;
            int m = c & 3;
            if (e == 31) {
                if (m == 0) {
                    assertThat(v[c]).isEqualTo(c < 128 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY);
                } else {
                    assertThat(v[c]).isNaN();
                }
            } else {
                assertThat((double) v[c]).as("code %02x", c).isEqualTo(layout(c, 5, 2, 15));
                // An E5M2 byte is the high byte of an F16 (docs/format.md#narrow-floats).
                assertThat(v[c]).isEqualTo(Float.float16ToFloat((short) (c << 8)));
            }
        }
        assertThat(v[0x7B]).isEqualTo(57344f);
    }

    @Test
    void fnuzEveryCode() {
        float[] e4 = decodeAll8(DType.F8_E4M3FNUZ);
        float[] e5 = decodeAll8(DType.F8_E5M2FNUZ);
        for (int c = 0; c < 256; c++) {
            if (c == 0x80) {
                assertThat(e4[c]).isNaN();
                assertThat(e5[c]).isNaN();
            } else {
                assertThat((double) e4[c]).as("E4M3FNUZ %02x", c).isEqualTo(layout(c, 4, 3, 8));
                assertThat((double) e5[c]).as("E5M2FNUZ %02x", c).isEqualTo(layout(c, 5, 2, 16));
            }
        }
        assertThat(e4[0x7F]).isEqualTo(240f);
        assertThat(e4[0x40]).isEqualTo(1f);
        assertThat(e5[0x7F]).isEqualTo(57344f);
    }

    @Test
    void e8m0EveryCode() {
        float[] v = decodeAll8(DType.F8_E8M0);
        for (int c = 0; c < 255; c++) {
            assertThat((double) v[c]).as("code %02x", c).isEqualTo(Math.pow(2, c - 127));
        }
        assertThat(v[255]).isNaN();
        assertThat(v[0x7D]).isEqualTo(0.25f);
        assertThat(v[0x80]).isEqualTo(2f);
    }

    /** The F4 (E2M1) code table, nibble by nibble, in both nibble orders. */
    @Test
    void f4EveryCodeAndNibbleOrder() {
        float[] table = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6, -0f, -0.5f, -1, -1.5f, -2, -3, -4, -6};
        byte[] bytes = new byte[128];
        for (int i = 0; i < 128; i++) {
            bytes[i] = (byte) ((i % 16) | ((15 - i % 16) << 4));
        }
        float[] low = new float[256];
        float[] high = new float[256];
        FloatDecoder.decode(DType.F4, MemorySegment.ofArray(bytes), low, 0, SubBytePacking.DEFAULT);
        FloatDecoder.decode(DType.F4, MemorySegment.ofArray(bytes),
                high, 0, new SubBytePacking(SubBytePacking.F4Order.HIGH_NIBBLE_FIRST, null));
        for (int i = 0; i < 128; i++) {
            assertThat(low[2 * i]).isEqualTo(table[i % 16]);
            assertThat(low[2 * i + 1]).isEqualTo(table[15 - i % 16]);
            assertThat(high[2 * i]).isEqualTo(table[15 - i % 16]);
            assertThat(high[2 * i + 1]).isEqualTo(table[i % 16]);
        }
    }

    @ParameterizedTest
    @EnumSource(value = SubBytePacking.F6Order.class)
    void f6EveryCodeInBothOrders(SubBytePacking.F6Order order) {
        // Codes 0..63 in order, four per 3-byte group, packed here by hand.
        byte[] bytes = new byte[48];
        for (int g = 0; g < 16; g++) {
            int word = 0;
            for (int k = 0; k < 4; k++) {
                int code = 4 * g + k;
                word |= order == SubBytePacking.F6Order.LSB_FIRST ? code << (6 * k) : code << (18 - 6 * k);
            }
            byte[] w = {(byte) word, (byte) (word >> 8), (byte) (word >> 16)};
            if (order == SubBytePacking.F6Order.MSB_FIRST) {
                w = new byte[] {(byte) (word >> 16), (byte) (word >> 8), (byte) word};
            }
            System.arraycopy(w, 0, bytes, 3 * g, 3);
        }
        float[] e2m3 = new float[64];
        float[] e3m2 = new float[64];
        SubBytePacking p = SubBytePacking.DEFAULT.withF6(order);
        FloatDecoder.decode(DType.F6_E2M3, MemorySegment.ofArray(bytes), e2m3, 0, p);
        FloatDecoder.decode(DType.F6_E3M2, MemorySegment.ofArray(bytes), e3m2, 0, p);
        for (int c = 0; c < 64; c++) {
            assertThat((double) e2m3[c]).as("E2M3 %d", c).isEqualTo(layout(c, 2, 3, 1));
            assertThat((double) e3m2[c]).as("E3M2 %d", c).isEqualTo(layout(c, 3, 2, 3));
        }
        assertThat(e2m3[0b011111]).isEqualTo(7.5f);
        assertThat(e3m2[0b011111]).isEqualTo(28f);
        assertThat(e3m2[0b001100]).isEqualTo(1f);
        assertThat(e2m3[0b100001]).isEqualTo(-0.125f);
    }

    @Test
    void f6WithoutANamedOrderIsRefused() {
        float[] out = new float[4];
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FloatDecoder.decode(DType.F6_E2M3,
                MemorySegment.ofArray(new byte[3]), out, 0, SubBytePacking.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("F6");
    }

    @Test
    void f16AndBf16EveryCode() {
        ByteBuffer bb = ByteBuffer.allocate(1 << 17).order(ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < 1 << 16; c++) {
            bb.putShort((short) c);
        }
        float[] f16 = new float[1 << 16];
        float[] bf16 = new float[1 << 16];
        FloatDecoder.decode(DType.F16, MemorySegment.ofArray(bb.array()), f16, 0, SubBytePacking.DEFAULT);
        FloatDecoder.decode(DType.BF16, MemorySegment.ofArray(bb.array()), bf16, 0, SubBytePacking.DEFAULT);
        for (int c = 0; c < 1 << 16; c++) {
            int e5 = (c >> 10) & 0x1F;
            int e8 = (c >> 7) & 0xFF;
            if (e5 == 31) {
                assertThat(Float.isFinite(f16[c])).isFalse();
                assertThat(Float.isNaN(f16[c])).isEqualTo((c & 0x3FF) != 0);
            } else {
                assertThat((double) f16[c]).as("F16 %04x", c).isEqualTo(layout(c, 5, 10, 15));
                assertThat(f16[c]).isEqualTo(Float.float16ToFloat((short) c));
            }
            if (e8 == 255) {
                assertThat(Float.isFinite(bf16[c])).isFalse();
                assertThat(Float.isNaN(bf16[c])).isEqualTo((c & 0x7F) != 0);
            } else {
                assertThat((double) bf16[c]).as("BF16 %04x", c).isEqualTo(layout(c, 8, 7, 127));
            }
        }
    }

    @Test
    void integersDecodeByValue() {
        byte[] b = {(byte) 0xFF, 0x01};
        float[] out = new float[2];
        FloatDecoder.decode(DType.U8, MemorySegment.ofArray(b), out, 0, SubBytePacking.DEFAULT);
        assertThat(out).containsExactly(255, 1);
        FloatDecoder.decode(DType.I8, MemorySegment.ofArray(b), out, 0, SubBytePacking.DEFAULT);
        assertThat(out).containsExactly(-1, 1);
        float[] one = new float[1];
        FloatDecoder.decode(DType.U64, MemorySegment.ofArray(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1}), one, 0,
                SubBytePacking.DEFAULT);
        assertThat(one[0]).isEqualTo(0x1p64f);
        FloatDecoder.decode(DType.U32, MemorySegment.ofArray(new byte[] {-1, -1, -1, -1}), one, 0, SubBytePacking.DEFAULT);
        assertThat(one[0]).isEqualTo(4294967295f);
    }
}
