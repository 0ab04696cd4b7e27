package dev.safetensors.internal.slice;

import dev.safetensors.Index;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.TensorInfo;
import dev.safetensors.internal.read.Runs;

import static dev.safetensors.SafeTensorsException.Kind.MisalignedSlice;
import static dev.safetensors.SafeTensorsException.Kind.SliceOutOfRange;
import static dev.safetensors.SafeTensorsException.Kind.TooManySlices;

import java.util.List;

/**
 * An index expression resolved against a tensor's shape (docs/format.md#slicing): per dimension the first
 * position, step and count, exactly as NumPy and Python's {@code slice.indices} resolve them; the result's
 * shape; and the byte runs that hold the result in row-major order.
 *
 * <p>The selection is kept in a canonical form, so that producing its runs costs O(runs + rank) whatever the
 * shape: dimensions of which one index is taken only move the first run; the innermost dimensions that are
 * contiguous with the run extend it (trailing whole dimensions merge into one run, as in the reference's
 * slice iterator); neighbouring iterated dimensions that step evenly merge into one. What is left is iterated,
 * every remaining dimension with at least two indices. Runs are produced lazily (a strided slice of a large
 * tensor can have millions) and adjacent ones are merged.
 */
public final class Selection implements Runs {
    private static final Index ALL = Index.all();

    private final long[] shape;       // of the result
    private final long elements;      // of the result
    private final long byteSize;
    private final long base;          // byte offset of the first run
    private final long runBytes;
    private final long[] counts;      // of the iterated dimensions, outermost first, each at least 2
    private final long[] jumps;       // bytes from one index of an iterated dimension to the next (may be negative)

    private Selection(long[] shape, long elements, long byteSize, long base, long runBytes, long[] counts, long[] jumps) {
        this.shape = shape;
        this.elements = elements;
        this.byteSize = byteSize;
        this.base = base;
        this.runBytes = runBytes;
        this.counts = counts;
        this.jumps = jumps;
    }

    /** The whole tensor. */
    public static Selection all(TensorInfo info, String source) {
        return resolve(info, List.of(), source);
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
        int ellipsisAt = -1;
        for (int k = 0; k < indices.size() && ellipsisAt < 0; k++) {
            ellipsisAt = indices.get(k) instanceof Index.Ellipsis ? k : -1;
        }
        int fill = rank - explicit;     // dimensions taken whole: at the ellipsis, or at the end
        int fillAt = ellipsisAt < 0 ? explicit : ellipsisAt;

        long[] start = new long[rank];
        long[] step = new long[rank];
        long[] count = new long[rank];
        long[] outShape = new long[rank];
        int outRank = 0;
        boolean empty = false;
        for (int d = 0; d < rank; d++) {
            long size = dims[d];
            Index index = d >= fillAt && d < fillAt + fill ? null
                    : indices.get(d < fillAt ? d : d - fill + (ellipsisAt < 0 ? 0 : 1));
            if (index == null || index.equals(ALL)) {
                // Taken whole, whatever its size: a dimension of 2^63 or more is legal beside a zero one.
                start[d] = 0;
                step[d] = 1;
                count[d] = size;
                outShape[outRank++] = size;
                empty |= size == 0;
                continue;
            }
            if (size < 0) {
                throw new SafeTensorsException(SliceOutOfRange, source, "tensor `" + name + "` dimension #" + d
                        + " of size " + Long.toUnsignedString(size) + " is too large to index");
            }
            switch (index) {
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
                    outShape[outRank++] = count[d];
                }
                case Index.Ellipsis e -> throw new AssertionError("taken whole above");
            }
            empty |= count[d] == 0;
        }
        long[] resultShape = java.util.Arrays.copyOf(outShape, outRank);
        int bits = info.dtype().bits();
        if (empty) {
            return new Selection(resultShape, 0, 0, 0, 0, new long[0], new long[0]);
        }

        // Not empty: every dimension is at least 1 and their product is the tensor's element count, so no
        // stride overflows. Iterated dimensions in element units, outermost first; single indices go to base.
        long[] counts = new long[rank];
        long[] jumps = new long[rank];
        int n = 0;
        long base = 0;
        long stride = 1;
        long elements = 1;
        for (int d = rank - 1; d >= 0; d--) {
            base += start[d] * stride;
            elements *= count[d];
            if (count[d] > 1) {
                counts[n] = count[d];
                jumps[n] = step[d] * stride;
                n++;
            }
            stride *= dims[d];
        }
        // counts/jumps hold the iterated dimensions innermost first: extend the run while it is contiguous with the
        // next one, then merge neighbours that step evenly (outer jump = inner count x inner jump).
        long run = 1;
        int first = 0;
        while (first < n && jumps[first] == run) {
            run *= counts[first];
            first++;
        }
        long[] c = new long[n - first];
        long[] j = new long[n - first];
        int m = 0;
        for (int k = n - 1; k >= first; k--) {   // outermost first
            if (m > 0 && jumps[k] * counts[k] == j[m - 1]) {
                c[m - 1] *= counts[k];
                j[m - 1] = jumps[k];
            } else {
                c[m] = counts[k];
                j[m] = jumps[k];
                m++;
            }
        }
        if (bits % 8 != 0) {
            boolean aligned = (base * bits) % 8 == 0 && (run * bits) % 8 == 0;
            for (int k = 0; k < m && aligned; k++) {
                aligned = (j[k] * bits) % 8 == 0;
            }
            if (!aligned) {
                throw new SafeTensorsException(MisalignedSlice, source, "slice of " + info.dtype() + " tensor `" + name
                        + "` does not start and end on byte boundaries (each " + bits + "-bit element is not a whole byte)");
            }
        }
        long[] byteJumps = new long[m];
        for (int k = 0; k < m; k++) {
            byteJumps[k] = bytes(j[k], bits);
        }
        return new Selection(resultShape, elements, bytes(elements, bits), bytes(base, bits), bytes(run, bits),
                java.util.Arrays.copyOf(c, m), byteJumps);
    }

    /** Bytes of {@code elements} elements of {@code bits} bits, rounded down, without overflow. */
    private static long bytes(long elements, int bits) {
        long sign = Long.signum(elements);
        long e = Math.abs(elements);
        return sign * ((e / 8) * bits + (e % 8) * bits / 8);
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

    /** Elements of the result. */
    public long elementCount() {
        return elements;
    }

    /** Bytes of the result. */
    @Override
    public long byteSize() {
        return byteSize;
    }

    /** The byte runs, in result order, adjacent ones merged. */
    @Override
    public void forEachRun(RunConsumer consumer) {
        if (byteSize == 0) {
            return;
        }
        int rank = counts.length;
        long[] i = new long[rank];
        long offset = base;
        long pendingStart = offset;
        long pendingLength = 0;
        while (true) {
            if (pendingStart + pendingLength == offset) {
                pendingLength += runBytes;
            } else {
                consumer.accept(pendingStart, pendingLength);
                pendingStart = offset;
                pendingLength = runBytes;
            }
            // Odometer over the iterated dimensions, last fastest; every count is at least 2, so carries cost
            // O(1) per run on average.
            int d = rank - 1;
            while (d >= 0 && ++i[d] == counts[d]) {
                offset -= (counts[d] - 1) * jumps[d];
                i[d] = 0;
                d--;
            }
            if (d < 0) {
                break;
            }
            offset += jumps[d];
        }
        consumer.accept(pendingStart, pendingLength);
    }
}
