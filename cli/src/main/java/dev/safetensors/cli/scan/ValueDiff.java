package dev.safetensors.cli.scan;

import dev.safetensors.Tensor;
import dev.safetensors.convert.SubBytePacking;
import java.lang.foreign.MemorySegment;

/**
 * How two tensors of the same shape differ, value by value in float64, with B as the reference:
 *
 * <ul>
 *   <li>the difference of a pair is 0 when the values are equal (infinities of one sign included) or both NaN,
 *       NaN when only one is NaN, and {@code |a - b|} otherwise; the relative difference divides it by
 *       {@code |b|} (0 when the difference is 0, +Inf when {@code b} is 0 or infinite);</li>
 *   <li>a pair is within tolerance as NumPy's {@code np.isclose(a, b, rtol, atol, equal_nan=True)} decides:
 *       {@code |a - b| <= atol + rtol * |b|} for finite pairs, equality for the others, NaN equal to NaN.</li>
 * </ul>
 *
 * The maxima are NaN once any pair's difference is NaN, as NumPy's {@code max} would say.
 */
public final class ValueDiff implements ValueScan.Accumulator<ValueDiff> {
    private long count;
    private long mismatched;
    private double maxAbs;
    private double maxRel;
    private boolean bytesIdentical = true;
    private long firstMismatch = -1;
    private double firstA;
    private double firstB;

    /**
     * The comparison of {@code a} with {@code b}, which have the same number of values. When their dtypes
     * match, blocks whose bytes are identical are not decoded.
     */
    public static ValueScan.Job<ValueDiff> job(Tensor a, Tensor b, SubBytePacking packing, double atol, double rtol) {
        boolean sameDtype = a.dtype() == b.dtype();
        return new ValueScan.Job<>() {
            @Override
            public String name() {
                return a.name();
            }

            @Override
            public long values() {
                return BlockReader.values(a);
            }

            @Override
            public long bytes() {
                return a.byteSize() + b.byteSize();
            }

            @Override
            public ValueDiff newAccumulator() {
                ValueDiff d = new ValueDiff();
                d.bytesIdentical = sameDtype;
                return d;
            }

            @Override
            public void accumulate(ValueDiff into, long first, int n, ValueScan.Workspace ws) {
                MemorySegment rawA = BlockReader.readBytes(a, first, n, ws.bytesA);
                MemorySegment rawB = BlockReader.readBytes(b, first, n, ws.bytesB);
                if (sameDtype && rawA.mismatch(rawB) == -1) {
                    into.count += n;   // the same bytes: the same values
                    return;
                }
                into.bytesIdentical = false;
                BlockReader.decode(a, rawA, n, packing, ws.floats, ws.valuesA);
                BlockReader.decode(b, rawB, n, packing, ws.floats, ws.valuesB);
                into.add(ws.valuesA, ws.valuesB, n, first, atol, rtol);
            }
        };
    }

    /** Takes in the pairs {@code (a[i], b[i])}, {@code i < n}, the first being value {@code index} of the tensor. */
    public void add(double[] a, double[] b, int n, long index, double atol, double rtol) {
        double hiAbs = maxAbs;
        double hiRel = maxRel;
        for (int i = 0; i < n; i++) {
            double x = a[i];
            double y = b[i];
            if (x == y || (x != x && y != y)) {
                continue;
            }
            double d = Math.abs(x - y);   // NaN when one side is NaN
            double ay = Math.abs(y);
            double r = d != d ? d : ay == 0 || ay == Double.POSITIVE_INFINITY ? Double.POSITIVE_INFINITY : d / ay;
            // Math.max keeps a NaN once one is seen.
            hiAbs = Math.max(hiAbs, d);
            hiRel = Math.max(hiRel, r);
            boolean finite = x - x == 0 && y - y == 0;
            if (!finite || !(d <= atol + rtol * ay)) {
                if (firstMismatch < 0) {
                    firstMismatch = index + i;
                    firstA = x;
                    firstB = y;
                }
                mismatched++;
            }
        }
        maxAbs = hiAbs;
        maxRel = hiRel;
        count += n;
    }

    @Override
    public void merge(ValueDiff later) {
        count += later.count;
        mismatched += later.mismatched;
        maxAbs = Math.max(maxAbs, later.maxAbs);
        maxRel = Math.max(maxRel, later.maxRel);
        bytesIdentical &= later.bytesIdentical;
        if (firstMismatch < 0 && later.firstMismatch >= 0) {
            firstMismatch = later.firstMismatch;
            firstA = later.firstA;
            firstB = later.firstB;
        }
    }

    /** Pairs compared. */
    public long count() {
        return count;
    }

    /** Pairs outside the tolerance. */
    public long mismatched() {
        return mismatched;
    }

    public double maxAbs() {
        return maxAbs;
    }

    public double maxRel() {
        return maxRel;
    }

    /** Whether the dtypes match and every byte is the same. */
    public boolean bytesIdentical() {
        return bytesIdentical;
    }

    /** The index of the first value outside the tolerance, or -1. */
    public long firstMismatch() {
        return firstMismatch;
    }

    /** A's value at {@link #firstMismatch()}. */
    public double firstA() {
        return firstA;
    }

    /** B's value at {@link #firstMismatch()}. */
    public double firstB() {
        return firstB;
    }
}
