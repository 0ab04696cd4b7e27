package dev.safetensors.internal.convert;

import dev.safetensors.DType;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The widening decoders to F32, from one segment of elements into another of little-endian floats: BF16
 * (a shift), F16 (the JDK's intrinsic) and every 8-bit float (a 256-entry table). They serve both the
 * {@code float[]} decoders (through a segment of the array) and the decoding copies into caller memory.
 *
 * <p>Each loop is a counted {@code int} loop over plain segment accesses with nothing between load and store, the
 * shape C2's auto-vectoriser takes, so no flag (no {@code jdk.incubator.vector}) is needed to run at memory speed:
 * docs/benchmarks.md has the figures against memcpy. Callers pass blocks short enough for an {@code int} count
 * (the copy-outs' blocks are under 1 MiB).
 */
public final class Widening {
    private static final float[] E4M3FN = MiniFloat.E4M3FN.table();
    private static final float[] E5M2 = MiniFloat.E5M2.table();
    private static final float[] E4M3FNUZ = MiniFloat.E4M3FNUZ.table();
    private static final float[] E5M2FNUZ = MiniFloat.E5M2FNUZ.table();
    private static final float[] E8M0 = E8M0Codec.table();

    private Widening() {
    }

    /** The value of every code of an 8-bit float dtype (shared, never to be written), or null for any other dtype. */
    public static float[] table8(DType type) {
        return switch (type) {
            case F8_E4M3 -> E4M3FN;
            case F8_E5M2 -> E5M2;
            case F8_E4M3FNUZ -> E4M3FNUZ;
            case F8_E5M2FNUZ -> E5M2FNUZ;
            case F8_E8M0 -> E8M0;
            default -> null;
        };
    }

    /** {@code n} BF16 values of {@code src} as F32 into {@code dst}: the 16 bits are the float's top half. */
    public static void bf16(MemorySegment src, MemorySegment dst, int n) {
        for (int i = 0; i < n; i++) {
            dst.set(LittleEndian.INT, 4L * i, src.get(LittleEndian.SHORT, 2L * i) << 16);
        }
    }

    /** {@code n} F16 values of {@code src} as F32 into {@code dst}, exactly (subnormals, infinities, NaN payloads). */
    public static void f16(MemorySegment src, MemorySegment dst, int n) {
        for (int i = 0; i < n; i++) {
            dst.set(LittleEndian.FLOAT, 4L * i, Float.float16ToFloat(src.get(LittleEndian.SHORT, 2L * i)));
        }
    }

    /** {@code n} byte codes of {@code src} as {@code table[code]} into {@code dst}. */
    public static void lookup(MemorySegment src, float[] table, MemorySegment dst, int n) {
        for (int i = 0; i < n; i++) {
            dst.set(LittleEndian.FLOAT, 4L * i, table[src.get(ValueLayout.JAVA_BYTE, i) & 0xFF]);
        }
    }
}
