package dev.safetensors.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Little-endian numbers out of a tensor's bytes, read by hand (no library decoder involved). */
final class Values {
    private Values() {
    }

    static long[] int64(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[bytes.length / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getLong();
        }
        return out;
    }

    static int[] int32(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[bytes.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getInt();
        }
        return out;
    }

    static float[] float32(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat();
        }
        return out;
    }

    /** bfloat16 is the top half of a float32. */
    static float[] bfloat16(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.intBitsToFloat((b.getShort() & 0xFFFF) << 16);
        }
        return out;
    }

    static int[] uint16(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[bytes.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getShort() & 0xFFFF;
        }
        return out;
    }
}
