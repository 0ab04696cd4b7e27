package dev.safetensors.internal.slice;

import dev.safetensors.Index;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.TensorInfo;

import static dev.safetensors.SafeTensorsException.Kind.MisalignedSlice;
import static dev.safetensors.SafeTensorsException.Kind.SliceOutOfRange;
import static dev.safetensors.SafeTensorsException.Kind.TooManySlices;

import java.util.ArrayList;
import java.util.List;

/**
 * An index expression resolved against a tensor's shape (docs/format.md#slicing): per dimension the first
 * position, step and count, exactly as NumPy and Python's {@code slice.indices} resolve them; the result's
 * shape; and the byte runs that hold the result in row-major order.
 *
 * <p>Trailing whole dimensions coalesce into one run, as in the reference's slice iterator; the last
 * partial dimension with step 1 extends the run; every dimension before it is iterated. Runs are produced
 * lazily (a strided slice of a large tensor can have millions) and adjacent ones are merged.
 */
public final class Selection {
    private final int bits;
    private final long[] start;
    private final long[] step;
    private final long[] count;
    private final long[] stride;      // in elements
    private final long[] shape;       // of the result
    private final int iterated;       // leading dimensions iterated to produce runs
    private final long runElements;
    private final long base;          // element offset of the first run
    private final boolean empty;

    private Selection(int bits, long[] start, long[] step, long[] count, long[] stride, long[] shape, int iterated,
            long runElements, long base, boolean empty) {
        this.bits = bits;
        this.start = start;
        this.step = step;
        this.count = count;
        this.stride = stride;
        this.shape = shape;
        this.iterated = iterated;
        this.runElements = runElements;
        this.base = base;
        this.empty = empty;
    }

    public static Selection resolve(TensorInfo info, List<Index> indices, String source) {
        long[] dims = info.shape().dims();
        int rank = dims.length;
        String name = info.name();
        int ellipses = 0;
        for (Index i : indices) {
            ellipses += i instanceof Index.Ellipsis ? 1 : 0;
        }
        int explicit = indices.size() - ellipses;
        if (ellipses > 1) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, source,
                    "slice of tensor `" + name + "` has more than one `...`");
        }
        if (explicit > rank) {
            throw new SafeTensorsException(TooManySlices, source, "more slicing indexes than dimensions in tensor `"
                    + name + "`: " + explicit + " indexes for shape " + info.shape());
        }
        List<Index> full = new ArrayList<>(rank);
        for (Index i : indices) {
            if (i instanceof Index.Ellipsis) {
                for (int k = 0; k < rank - explicit; k++) {
                    full.add(Index.all());
                }
            } else {
                full.add(i);
            }
        }
        while (full.size() < rank) {
            full.add(Index.all());
        }

        long[] start = new long[rank];
        long[] step = new long[rank];
        long[] count = new long[rank];
        List<Long> shape = new ArrayList<>();
        boolean empty = false;
        for (int d = 0; d < rank; d++) {
            long size = dims[d];
            if (size < 0) {
                throw new SafeTensorsException(SliceOutOfRange, source, "tensor `" + name + "` dimension #" + d
                        + " of size " + Long.toUnsignedString(size) + " is too large to slice");
            }
            switch (full.get(d)) {
                case Index.At at -> {
                    long i = at.index() < 0 ? at.index() + size : at.index();
                    if (i < 0 || i >= size) {
                        throw new SafeTensorsException(SliceOutOfRange, source, "index " + at.index()
                                + " out of bounds for tensor `" + name + "` dimension #" + d + " of size " + size);
                    }
                    start[d] = i;
                    step[d] = 1;
                    count[d] = 1;
                }
                case Index.Range r -> {
                    resolveRange(r, size, d, name, source, start, step, count);
                    shape.add(count[d]);
                }
                case Index.Ellipsis e -> throw new AssertionError("expanded above");
            }
            empty |= count[d] == 0;
        }

        long[] stride = new long[rank];
        long s = 1;
        for (int d = rank - 1; d >= 0; d--) {
            stride[d] = s;
            s *= Math.max(dims[d], 1);
        }
        // Trailing whole dimensions merge into one block.
        int k = rank - 1;
        long block = 1;
        while (k >= 0 && start[k] == 0 && step[k] == 1 && count[k] == dims[k]) {
            block *= dims[k];
            k--;
        }
        int iterated;
        long runElements;
        long base = 0;
        if (k < 0) {
            iterated = 0;
            runElements = block;
        } else if (step[k] == 1) {
            iterated = k;
            runElements = count[k] * block;
            base = start[k] * stride[k];
        } else {
            iterated = k + 1;
            runElements = block;
        }
        for (int d = 0; d < iterated; d++) {
            base += start[d] * stride[d];
        }
        int bits = info.dtype().bits();
        if (bits % 8 != 0 && !empty) {
            boolean aligned = (runElements * bits) % 8 == 0 && (base * bits) % 8 == 0;
            for (int d = 0; d < iterated && aligned; d++) {
                aligned = count[d] == 1 || (step[d] * stride[d] * bits) % 8 == 0;
            }
            if (!aligned) {
                throw new SafeTensorsException(MisalignedSlice, source, "slice of " + info.dtype() + " tensor `" + name
                        + "` does not start and end on byte boundaries (each " + bits + "-bit element is not a whole byte)");
            }
        }
        long[] outShape = shape.stream().mapToLong(Long::longValue).toArray();
        return new Selection(bits, start, step, count, stride, outShape, iterated, runElements, base, empty);
    }

    /** Python's {@code slice(start, stop, step).indices(size)}, then NumPy's length. */
    private static void resolveRange(Index.Range r, long size, int d, String name, String source,
            long[] start, long[] step, long[] count) {
        long st = r.step() == null ? 1 : r.step();
        if (st == 0) {
            throw new SafeTensorsException(SliceOutOfRange, source, "slice step cannot be zero (tensor `" + name
                    + "` dimension #" + d + ")");
        }
        long lo;
        long hi;
        if (st > 0) {
            lo = clamp(r.start(), size, 0, 0, size);
            hi = clamp(r.stop(), size, size, 0, size);
            count[d] = hi > lo ? (hi - lo - 1) / st + 1 : 0;
        } else {
            lo = clamp(r.start(), size, size - 1, -1, size - 1);
            hi = clamp(r.stop(), size, -1, -1, size - 1);
            count[d] = lo > hi ? (lo - hi - 1) / -st + 1 : 0;
        }
        start[d] = count[d] == 0 ? 0 : lo;
        step[d] = st;
    }

    private static long clamp(Long bound, long size, long absent, long min, long max) {
        if (bound == null) {
            return absent;
        }
        long v = bound < 0 ? bound + size : bound;
        return Math.max(min, Math.min(max, v));
    }

    public long[] shape() {
        return shape.clone();
    }

    /** Bytes of the result. */
    public long byteSize() {
        if (empty) {
            return 0;
        }
        long elements = runElements;
        for (int d = 0; d < iterated; d++) {
            elements *= count[d];
        }
        return elements * bits / 8;
    }

    public interface RunConsumer {
        /** {@code [offset, offset + length)} of the tensor's bytes, in result order. */
        void accept(long offset, long length);
    }

    /** The byte runs, in result order, adjacent ones merged. */
    public void forEachRun(RunConsumer consumer) {
        if (empty) {
            return;
        }
        long runBytes = runElements * bits / 8;
        long[] i = new long[iterated];
        long offset = base;
        long pendingStart = -1;
        long pendingLength = 0;
        while (true) {
            long byteOffset = offset * bits / 8;
            if (pendingStart >= 0 && pendingStart + pendingLength == byteOffset) {
                pendingLength += runBytes;
            } else {
                if (pendingStart >= 0) {
                    consumer.accept(pendingStart, pendingLength);
                }
                pendingStart = byteOffset;
                pendingLength = runBytes;
            }
            // Odometer over the iterated dimensions, last fastest.
            int d = iterated - 1;
            while (d >= 0 && ++i[d] == count[d]) {
                offset -= (count[d] - 1) * step[d] * stride[d];
                i[d] = 0;
                d--;
            }
            if (d < 0) {
                break;
            }
            offset += step[d] * stride[d];
        }
        consumer.accept(pendingStart, pendingLength);
    }
}
