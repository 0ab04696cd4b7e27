package dev.safetensors.quant;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Little-endian tensor bytes for tests, whatever the platform's order. */
public final class Bytes {
    private Bytes() {
    }

    public static byte[] ints(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putInt(x);
        }
        return b.array();
    }

    public static byte[] longs(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }

    public static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    /** Each value rounded to F16. */
    public static byte[] halves(float... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putShort(Float.floatToFloat16(x));
        }
        return b.array();
    }

    /** Values already representable in BF16, stored as their upper 16 bits. */
    public static byte[] bf16s(float... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putShort((short) (Float.floatToIntBits(x) >>> 16));
        }
        return b.array();
    }

    public static byte[] of(int... unsignedBytes) {
        byte[] out = new byte[unsignedBytes.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) unsignedBytes[i];
        }
        return out;
    }

    public static MemorySegment segment(byte[] bytes) {
        return MemorySegment.ofArray(bytes);
    }

    /** The F16 value nearest {@code x}, as the test's independent formula uses it. */
    public static float f16(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }
}
