package dev.safetensors.torch.internal.copy;

import dev.safetensors.ByteSink;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies a strided view into contiguous order through one 1 MiB buffer, byte-swapping big-endian elements
 * on the way. Dimensions that are contiguous with each other are merged first, so a view whose rows are
 * contiguous copies row runs with one {@code MemorySegment.copy} each; only a last dimension with a stride
 * other than 1 (a transposed or Fortran-ordered tensor) is gathered element by element.
 */
final class Gather {
    private static final long BUFFER = 1 << 20;

    private final MemorySegment storage;
    private final long offset;
    private final int elementSize;
    private final int swapUnit;
    private final long[] sizes;     // merged dimensions, outermost first, none of size 1
    private final long[] strides;   // in bytes

    private Gather(StridedView v, long[] sizes, long[] strides) {
        this.storage = v.storage();
        this.offset = v.offset();
        this.elementSize = v.elementSize();
        this.swapUnit = v.swapUnit();
        this.sizes = sizes;
        this.strides = strides;
    }

    /** Drops size-1 dimensions and merges dimensions laid out one after the other. */
    static Gather of(StridedView v) {
        List<long[]> dims = new ArrayList<>();   // {size, stride in bytes}, innermost first
        long[] sizes = v.sizes();
        long[] strides = v.strides();
        for (int d = sizes.length - 1; d >= 0; d--) {
            if (sizes[d] == 1) {
                continue;
            }
            long stride = strides[d] * v.elementSize();
            if (!dims.isEmpty()) {
                long[] inner = dims.getLast();
                if (stride == inner[0] * inner[1]) {
                    inner[0] *= sizes[d];
                    continue;
                }
            }
            dims.add(new long[] {sizes[d], stride});
        }
        if (dims.isEmpty()) {
            dims.add(new long[] {1, v.elementSize()});
        }
        int rank = dims.size();
        long[] s = new long[rank];
        long[] t = new long[rank];
        for (int i = 0; i < rank; i++) {
            s[i] = dims.get(rank - 1 - i)[0];
            t[i] = dims.get(rank - 1 - i)[1];
        }
        return new Gather(v, s, t);
    }

    void writeTo(ByteSink sink) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(BUFFER, 8);
            long filled = 0;
            int last = sizes.length - 1;
            long innerSize = sizes[last];
            long innerStride = strides[last];
            boolean runs = innerStride == elementSize;
            long[] index = new long[last];
            while (true) {
                long base = offset;
                for (int d = 0; d < last; d++) {
                    base += index[d] * strides[d];
                }
                for (long i = 0; i < innerSize; ) {
                    if (filled == BUFFER) {
                        flush(buffer, filled, sink);
                        filled = 0;
                    }
                    long room = (BUFFER - filled) / elementSize;
                    long n = Math.min(room, innerSize - i);
                    if (runs) {
                        MemorySegment.copy(storage, base + i * elementSize, buffer, filled, n * elementSize);
                    } else {
                        gather(base + i * innerStride, innerStride, n, buffer, filled);
                    }
                    filled += n * elementSize;
                    i += n;
                }
                if (!advance(index)) {
                    break;
                }
            }
            flush(buffer, filled, sink);
        }
    }

    /** The next outer index in row-major order; false after the last. */
    private boolean advance(long[] index) {
        for (int d = index.length - 1; d >= 0; d--) {
            if (++index[d] < sizes[d]) {
                return true;
            }
            index[d] = 0;
        }
        return false;
    }

    private void gather(long from, long stride, long n, MemorySegment dst, long at) {
        switch (elementSize) {
            case 1 -> {
                for (long k = 0; k < n; k++) {
                    dst.set(ValueLayout.JAVA_BYTE, at + k, storage.get(ValueLayout.JAVA_BYTE, from + k * stride));
                }
            }
            case 2 -> {
                for (long k = 0; k < n; k++) {
                    dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2 * k,
                            storage.get(ValueLayout.JAVA_SHORT_UNALIGNED, from + k * stride));
                }
            }
            case 4 -> {
                for (long k = 0; k < n; k++) {
                    dst.set(ValueLayout.JAVA_INT_UNALIGNED, at + 4 * k,
                            storage.get(ValueLayout.JAVA_INT_UNALIGNED, from + k * stride));
                }
            }
            case 8 -> {
                for (long k = 0; k < n; k++) {
                    dst.set(ValueLayout.JAVA_LONG_UNALIGNED, at + 8 * k,
                            storage.get(ValueLayout.JAVA_LONG_UNALIGNED, from + k * stride));
                }
            }
            default -> {
                for (long k = 0; k < n; k++) {
                    MemorySegment.copy(storage, from + k * stride, dst, at + k * elementSize, elementSize);
                }
            }
        }
    }

    private void flush(MemorySegment buffer, long filled, ByteSink sink) throws IOException {
        if (filled == 0) {
            return;
        }
        if (swapUnit > 1) {
            ByteOrderSwap.swap(buffer.asSlice(0, filled), swapUnit);
        }
        sink.write(buffer.asSlice(0, filled));
    }
}
