package dev.safetensors.convert;

import dev.safetensors.internal.convert.MiniFloat;
import dev.safetensors.internal.convert.Widening;
import dev.safetensors.DType;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Bulk decoding of tensor bytes to {@code float}: every floating dtype (by exact lookup tables for the
 * 8-, 6- and 4-bit ones), and integers and BOOL by value. Bytes are read little-endian and unaligned.
 *
 * <pre>{@code
 * float[] out = new float[n];
 * FloatDecoder.decode(DType.BF16, tensor.data(), out, 0, SubBytePacking.DEFAULT);
 * }</pre>
 */
public final class FloatDecoder {

    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private static final float[] E2M1 = MiniFloat.E2M1.table();
    private static final float[] E2M3 = MiniFloat.E2M3.table();
    private static final float[] E3M2 = MiniFloat.E3M2.table();

    private FloatDecoder() {
    }

    /**
     * {@return whether {@link #decode} handles this dtype (all but C64, whose elements are pairs)}
     *
     * @param t a dtype
     */
    public static boolean canDecode(DType t) {
        return t != DType.C64;
    }

    /**
     * Decodes every element held in {@code src} into {@code out} from {@code outIndex}. {@code src} must hold
     * whole elements (whole bytes for F4 pairs, whole 3-byte groups for F6).
     *
     * @param type     the dtype of the elements in {@code src}
     * @param src      the elements' bytes, little-endian
     * @param out      where the values go
     * @param outIndex where the first value goes in {@code out}
     * @param packing  how F4 and F6 elements sit in their bytes; ignored for other dtypes
     * @throws IllegalArgumentException for C64, or F6 without an F6 order in {@code packing}
     * @throws IndexOutOfBoundsException when {@code out} has no room for every element from {@code outIndex}
     */
    public static void decode(DType type, MemorySegment src, float[] out, int outIndex, SubBytePacking packing) {
        long bytes = src.byteSize();
        int n = (int) (bytes * 8 / type.bits());
        int o = outIndex;
        switch (type) {
            case F32 -> MemorySegment.copy(src, LittleEndian.FLOAT, 0, out, o, n);
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[o + i] = (float) src.get(LittleEndian.DOUBLE, 8L * i);
                }
            }
            case F16 -> {
                Widening.f16(src, floats(out, o, n), n);
                toNativeOrder(out, o, n);
            }
            case BF16 -> {
                Widening.bf16(src, floats(out, o, n), n);
                toNativeOrder(out, o, n);
            }
            case F8_E4M3, F8_E5M2, F8_E4M3FNUZ, F8_E5M2FNUZ, F8_E8M0 -> lookup(src, Widening.table8(type), out, o, n);
            case F4 -> nibbles(src, packing.f4(), out, o, n);
            case F6_E2M3 -> sixBits(src, E2M3, packing, out, o, n);
            case F6_E3M2 -> sixBits(src, E3M2, packing, out, o, n);
            case BOOL, U8 -> {
                for (int i = 0; i < n; i++) {
                    out[o + i] = src.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
                }
            }
            case I8 -> {
                for (int i = 0; i < n; i++) {
                    out[o + i] = src.get(ValueLayout.JAVA_BYTE, i);
                }
            }
            case I16 -> {
                for (int i = 0; i < n; i++) {
                    out[o + i] = src.get(LittleEndian.SHORT, 2L * i);
                }
            }
            case U16 -> {
                for (int i = 0; i < n; i++) {
                    out[o + i] = src.get(LittleEndian.SHORT, 2L * i) & 0xFFFF;
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    out[o + i] = src.get(LittleEndian.INT, 4L * i);
                }
            }
            case U32 -> {
                for (int i = 0; i < n; i++) {
                    out[o + i] = src.get(LittleEndian.INT, 4L * i) & 0xFFFFFFFFL;
                }
            }
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    out[o + i] = src.get(LittleEndian.LONG, 8L * i);
                }
            }
            case U64 -> {
                for (int i = 0; i < n; i++) {
                    out[o + i] = unsignedToFloat(src.get(LittleEndian.LONG, 8L * i));
                }
            }
            case C64 -> throw new IllegalArgumentException("C64 elements are (real, imaginary) pairs, not floats");
        }
    }

    private static void lookup(MemorySegment src, float[] table, float[] out, int o, int n) {
        Widening.lookup(src, table, floats(out, o, n), n);
        toNativeOrder(out, o, n);
    }

    /** {@code out[o, o + n)} as a segment the widening kernels write little-endian floats into. */
    private static MemorySegment floats(float[] out, int o, int n) {
        return MemorySegment.ofArray(out).asSlice(4L * o, 4L * n);
    }

    /** The kernels write little-endian; on a big-endian platform the array's floats are then byte-swapped. */
    private static void toNativeOrder(float[] out, int o, int n) {
        if (!LITTLE_ENDIAN) {
            for (int i = o; i < o + n; i++) {
                out[i] = Float.intBitsToFloat(Integer.reverseBytes(Float.floatToRawIntBits(out[i])));
            }
        }
    }

    private static void nibbles(MemorySegment src, SubBytePacking.F4Order order, float[] out, int o, int n) {
        int lowShift = order == SubBytePacking.F4Order.LOW_NIBBLE_FIRST ? 0 : 4;
        int highShift = 4 - lowShift;
        for (int i = 0; i < n / 2; i++) {
            int b = src.get(ValueLayout.JAVA_BYTE, i);
            out[o + 2 * i] = E2M1[(b >>> lowShift) & 0xF];
            out[o + 2 * i + 1] = E2M1[(b >>> highShift) & 0xF];
        }
    }

    private static void sixBits(MemorySegment src, float[] table, SubBytePacking packing, float[] out, int o, int n) {
        if (packing.f6() == null) {
            throw new IllegalArgumentException("the format does not define how F6 values are packed; "
                    + "name an order with SubBytePacking.withF6(...)");
        }
        boolean lsb = packing.f6() == SubBytePacking.F6Order.LSB_FIRST;
        for (int g = 0; g < n / 4; g++) {
            int b0 = src.get(ValueLayout.JAVA_BYTE, 3L * g) & 0xFF;
            int b1 = src.get(ValueLayout.JAVA_BYTE, 3L * g + 1) & 0xFF;
            int b2 = src.get(ValueLayout.JAVA_BYTE, 3L * g + 2) & 0xFF;
            int word = lsb ? b0 | (b1 << 8) | (b2 << 16) : (b0 << 16) | (b1 << 8) | b2;
            for (int k = 0; k < 4; k++) {
                int shift = lsb ? 6 * k : 18 - 6 * k;
                out[o + 4 * g + k] = table[(word >>> shift) & 0x3F];
            }
        }
    }

    static float unsignedToFloat(long v) {
        if (v >= 0) {
            return v;
        }
        // Halve with the lost bit kept sticky, convert, double: exact rounding for values >= 2^63.
        return ((v >>> 1) | (v & 1)) * 2.0f;
    }
}
