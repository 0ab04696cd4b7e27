package dev.safetensors.cli.scan;

import dev.safetensors.DType;
import dev.safetensors.Tensor;
import dev.safetensors.convert.FloatDecoder;
import dev.safetensors.convert.SubBytePacking;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;

/**
 * A block of a tensor's values as {@code double}s, exactly: every floating dtype decoded (through
 * {@link FloatDecoder}), 32-bit integers and F64 as they are, 64-bit integers rounded to the nearest double.
 * A C64 tensor is read as its float32 components, real and imaginary interleaved.
 */
public final class BlockReader {
    private BlockReader() {
    }

    /** How many values {@link #read} sees in {@code t}: its elements, or twice that for C64. */
    public static long values(Tensor t) {
        return t.dtype() == DType.C64 ? 2 * t.elementCount() : t.elementCount();
    }

    /** Why {@code t}'s values cannot be read with {@code packing}, or null when they can. */
    public static String whyNot(Tensor t, SubBytePacking packing) {
        boolean f6 = t.dtype() == DType.F6_E2M3 || t.dtype() == DType.F6_E3M2;
        return f6 && packing.f6() == null
                ? t.dtype() + " values need a bit order, which the format leaves open: pass --f6 LSB_FIRST or MSB_FIRST"
                : null;
    }

    /**
     * Reads values {@code [first, first + count)} of {@code t} into {@code out}, through {@code staging};
     * {@code first} and {@code count} are multiples of 4 except at the tensor's end. Returns the raw bytes read
     * (a slice of {@code staging}).
     */
    public static MemorySegment read(Tensor t, long first, int count, SubBytePacking packing, MemorySegment staging,
            float[] floats, double[] out) {
        MemorySegment raw = readBytes(t, first, count, staging);
        decode(t, raw, count, packing, floats, out);
        return raw;
    }

    /** The raw bytes of values {@code [first, first + count)} of {@code t}, copied into {@code staging}. */
    public static MemorySegment readBytes(Tensor t, long first, int count, MemorySegment staging) {
        int bits = valueType(t).bits();
        MemorySegment raw = staging.asSlice(0, (long) count * bits / 8);
        t.copyTo(first * bits / 8, raw);
        return raw;
    }

    /** Decodes {@code count} values of {@code t}'s dtype from {@code raw} into {@code out}. */
    public static void decode(Tensor t, MemorySegment raw, int count, SubBytePacking packing, float[] floats,
            double[] out) {
        DType type = valueType(t);
        switch (type) {
            case F64 -> MemorySegment.copy(raw, LittleEndian.DOUBLE, 0, out, 0, count);
            // The common weight dtypes straight to double, without a float[] on the way.
            case F32 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = raw.get(LittleEndian.FLOAT, 4L * i);
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.intBitsToFloat(raw.get(LittleEndian.SHORT, 2L * i) << 16);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.float16ToFloat(raw.get(LittleEndian.SHORT, 2L * i));
                }
            }
            case I64 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = raw.get(LittleEndian.LONG, 8L * i);
                }
            }
            case U64 -> {
                for (int i = 0; i < count; i++) {
                    long v = raw.get(LittleEndian.LONG, 8L * i);
                    // Halve with the lost bit kept sticky, convert, double: the nearest double to v >= 2^63.
                    out[i] = v >= 0 ? v : ((v >>> 1) | (v & 1)) * 2.0;
                }
            }
            case I32 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = raw.get(LittleEndian.INT, 4L * i);
                }
            }
            case U32 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = raw.get(LittleEndian.INT, 4L * i) & 0xFFFFFFFFL;
                }
            }
            default -> {
                // Every other dtype has float values: float holds each of them exactly.
                FloatDecoder.decode(type, raw, floats, 0, packing);
                for (int i = 0; i < count; i++) {
                    out[i] = floats[i];
                }
            }
        }
    }

    /** The dtype of one value: the tensor's, F32 for the components of C64. */
    private static DType valueType(Tensor t) {
        return t.dtype() == DType.C64 ? DType.F32 : t.dtype();
    }
}
