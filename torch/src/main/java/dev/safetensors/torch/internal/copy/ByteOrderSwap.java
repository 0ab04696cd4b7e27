package dev.safetensors.torch.internal.copy;

import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Reverses the bytes of each {@code unit}-byte value in place: big-endian storages to little-endian. */
final class ByteOrderSwap {
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private ByteOrderSwap() {
    }

    static void swap(MemorySegment bytes, int unit) {
        long n = bytes.byteSize();
        switch (unit) {
            case 2 -> {
                for (long i = 0; i < n; i += 2) {
                    bytes.set(LittleEndian.SHORT, i, bytes.get(SHORT_BE, i));
                }
            }
            case 4 -> {
                for (long i = 0; i < n; i += 4) {
                    bytes.set(LittleEndian.INT, i, bytes.get(INT_BE, i));
                }
            }
            case 8 -> {
                for (long i = 0; i < n; i += 8) {
                    bytes.set(LittleEndian.LONG, i, bytes.get(LONG_BE, i));
                }
            }
            default -> throw new IllegalArgumentException("no byte swap for " + unit + "-byte values");
        }
    }
}
