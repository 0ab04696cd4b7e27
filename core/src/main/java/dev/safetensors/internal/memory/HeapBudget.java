package dev.safetensors.internal.memory;

import dev.safetensors.SafeTensorsException;

/**
 * Refuses up front what the heap cannot hold. The size of a header (or of an index file) is known before
 * a byte of it is parsed, and so is the most memory parsing it can take; when that does not fit in the
 * heap that is left, failing at once with the figures beats minutes of garbage collection ending in an
 * {@link OutOfMemoryError}.
 */
public final class HeapBudget {
    /** Below this, nothing is checked: the JVM's own slack covers it. */
    private static final long FLOOR = 16L << 20;

    private HeapBudget() {
    }

    /**
     * @param needed the most heap the work can take, in bytes
     * @param what   what is being read, for the message ("a header of 99,000,000 bytes")
     * @throws SafeTensorsException of kind {@code HeaderTooLarge} when {@code needed} does not fit
     */
    public static void require(long needed, String source, String what) {
        if (needed <= FLOOR || needed <= available()) {
            return;
        }
        Runtime rt = Runtime.getRuntime();
        if (needed <= rt.maxMemory()) {
            // Garbage counts as used until it is collected. Only a header near the size of the heap gets here.
            System.gc();
            if (needed <= available()) {
                return;
            }
        }
        throw new SafeTensorsException(SafeTensorsException.Kind.HeaderTooLarge, source, what + " needs about "
                + mb(needed) + " MB of heap to open, but only " + mb(available()) + " MB of the maximum "
                + mb(rt.maxMemory()) + " MB are free; raise -Xmx or the header limit");
    }

    private static long available() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    private static long mb(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
