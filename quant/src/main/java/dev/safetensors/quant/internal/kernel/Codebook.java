package dev.safetensors.quant.internal.kernel;

import dev.safetensors.DType;
import dev.safetensors.convert.FloatDecoder;
import dev.safetensors.convert.SubBytePacking;
import java.lang.foreign.MemorySegment;

/**
 * The value of every code of a narrow element type, as a lookup table for the kernels. The float tables
 * come from core's decoder (exact for every code), so there is one definition of each format.
 */
public final class Codebook {
    private Codebook() {
    }

    /** 256 values: F8_E4M3, F8_E5M2, F8_E4M3FNUZ, F8_E5M2FNUZ, F8_E8M0 by code; I8 and U8 by value. */
    public static float[] bytes(DType type) {
        float[] table = new float[256];
        byte[] codes = new byte[256];
        for (int c = 0; c < 256; c++) {
            codes[c] = (byte) c;
        }
        switch (type) {
            case F8_E4M3, F8_E5M2, F8_E4M3FNUZ, F8_E5M2FNUZ, F8_E8M0, I8, U8 ->
                    FloatDecoder.decode(type, MemorySegment.ofArray(codes), table, 0, SubBytePacking.DEFAULT);
            default -> throw new IllegalArgumentException(type + " is not a one-byte code");
        }
        return table;
    }

    /** The 16 E2M1 (F4) values, by code. */
    public static float[] e2m1() {
        byte[] pairs = new byte[8];
        for (int i = 0; i < 8; i++) {
            pairs[i] = (byte) ((2 * i) | ((2 * i + 1) << 4));   // low nibble first: codes 0..15 in order
        }
        float[] table = new float[16];
        FloatDecoder.decode(DType.F4, MemorySegment.ofArray(pairs), table, 0, SubBytePacking.DEFAULT);
        return table;
    }
}
