package dev.safetensors.cli.scan;

import dev.safetensors.Tensor;
import dev.safetensors.convert.SubBytePacking;

/**
 * Min, max, mean, variance and counts of values seen so far, in float64. Each block is summed as differences
 * from its first value (exact for values close together), its mean refined by the sum of the deviations from it,
 * and its squared deviations taken with the corrected two-pass formula; blocks and partial results are combined
 * with Chan, Golub and LeVeque's pairwise update, means kept as a shift plus an offset so that the difference
 * of two means stays exact. So the error grows neither with the tensor's size nor with its distance from zero
 * (a spread of 1e-3 about 1e9 keeps twelve digits), as a running sum, or sum of squares, would.
 */
public final class StatsAccumulator implements ValueScan.Accumulator<StatsAccumulator> {
    private long count;
    private long finite;
    /** The mean of the finite values is {@code shift + offset}: a value of theirs, and the rest. */
    private double shift;
    private double offset;
    private double m2;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private long zeros;
    private long nan;
    private long posInf;
    private long negInf;

    /** The statistics of one tensor's values. */
    public static ValueScan.Job<StatsAccumulator> job(Tensor tensor, SubBytePacking packing) {
        return new ValueScan.Job<>() {
            @Override
            public String name() {
                return tensor.name();
            }

            @Override
            public long values() {
                return BlockReader.values(tensor);
            }

            @Override
            public long bytes() {
                return tensor.byteSize();
            }

            @Override
            public StatsAccumulator newAccumulator() {
                return new StatsAccumulator();
            }

            @Override
            public void accumulate(StatsAccumulator into, long first, int n, ValueScan.Workspace ws) {
                BlockReader.read(tensor, first, n, packing, ws.bytesA, ws.floats, ws.valuesA);
                into.add(ws.valuesA, n);
            }
        };
    }

    /**
     * Takes in {@code v[0..n)}. Four independent sums, minima and maxima per pass, so the additions do not wait
     * on each other; a group of four holding NaN or an infinity goes the slow way, one value at a time.
     */
    public void add(double[] v, int n) {
        int f = 0;
        while (f < n && !(v[f] - v[f] == 0)) {
            f++;
        }
        if (f == n) {
            countNonFinite(v, 0, n);
            count += n;
            return;
        }
        double k0 = v[f];   // the block's shift: its first finite value
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        double lo0 = min, lo1 = min, lo2 = min, lo3 = min;
        double hi0 = max, hi1 = max, hi2 = max, hi3 = max;
        long z = 0;
        long special = nan + posInf + negInf;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            double x0 = v[i], x1 = v[i + 1], x2 = v[i + 2], x3 = v[i + 3];
            if (!((x0 - x0) + (x1 - x1) + (x2 - x2) + (x3 - x3) == 0)) {   // NaN or an infinity among them
                for (int j = i; j < i + 4; j++) {
                    double x = v[j];
                    if (x - x == 0) {
                        s0 += x - k0;
                        lo0 = x < lo0 ? x : lo0;
                        hi0 = x > hi0 ? x : hi0;
                        z += x == 0 ? 1 : 0;
                    }
                }
                countNonFinite(v, i, i + 4);
                continue;
            }
            s0 += x0 - k0;
            s1 += x1 - k0;
            s2 += x2 - k0;
            s3 += x3 - k0;
            lo0 = x0 < lo0 ? x0 : lo0;
            lo1 = x1 < lo1 ? x1 : lo1;
            lo2 = x2 < lo2 ? x2 : lo2;
            lo3 = x3 < lo3 ? x3 : lo3;
            hi0 = x0 > hi0 ? x0 : hi0;
            hi1 = x1 > hi1 ? x1 : hi1;
            hi2 = x2 > hi2 ? x2 : hi2;
            hi3 = x3 > hi3 ? x3 : hi3;
            z += (x0 == 0 ? 1 : 0) + (x1 == 0 ? 1 : 0) + (x2 == 0 ? 1 : 0) + (x3 == 0 ? 1 : 0);
        }
        for (; i < n; i++) {
            double x = v[i];
            if (x - x == 0) {
                s0 += x - k0;
                lo0 = x < lo0 ? x : lo0;
                hi0 = x > hi0 ? x : hi0;
                z += x == 0 ? 1 : 0;
            } else {
                countNonFinite(v, i, i + 1);
            }
        }
        count += n;
        min = Math.min(Math.min(lo0, lo1), Math.min(lo2, lo3));
        max = Math.max(Math.max(hi0, hi1), Math.max(hi2, hi3));
        zeros += z;
        long k = n - (nan + posInf + negInf - special);
        double mean = ((s0 + s1) + (s2 + s3)) / k;
        double d0 = 0, d1 = 0, q0 = 0, q1 = 0;
        if (k == n) {
            int j = 0;
            for (; j + 1 < n; j += 2) {
                double a = (v[j] - k0) - mean;
                double b = (v[j + 1] - k0) - mean;
                d0 += a;
                d1 += b;
                q0 += a * a;
                q1 += b * b;
            }
            for (; j < n; j++) {
                double a = (v[j] - k0) - mean;
                d0 += a;
                q0 += a * a;
            }
        } else {
            for (int j = 0; j < n; j++) {
                double x = v[j];
                if (x - x == 0) {
                    double a = (x - k0) - mean;
                    d0 += a;
                    q0 += a * a;
                }
            }
        }
        double dev = d0 + d1;
        // The deviations' sum is what rounding left in the first mean: adding its share refines the mean, and
        // subtracting its square keeps the squared deviations about the refined one (the corrected two-pass formula).
        combine(k, k0, mean + dev / k, (q0 + q1) - dev * dev / k);
    }

    private void countNonFinite(double[] v, int from, int to) {
        for (int i = from; i < to; i++) {
            double x = v[i];
            if (x != x) {
                nan++;
            } else if (x == Double.POSITIVE_INFINITY) {
                posInf++;
            } else if (x == Double.NEGATIVE_INFINITY) {
                negInf++;
            }
        }
    }

    @Override
    public void merge(StatsAccumulator later) {
        count += later.count;
        zeros += later.zeros;
        nan += later.nan;
        posInf += later.posInf;
        negInf += later.negInf;
        min = Math.min(min, later.min);
        max = Math.max(max, later.max);
        if (later.finite > 0) {
            combine(later.finite, later.shift, later.offset, later.m2);
        }
    }

    /** Adds {@code k} finite values with mean {@code shift2 + offset2} and squared deviations {@code m2b}. */
    private void combine(long k, double shift2, double offset2, double m2b) {
        if (finite == 0) {
            finite = k;
            shift = shift2;
            offset = offset2;
            m2 = m2b;
            return;
        }
        long total = finite + k;
        double delta = (shift2 - shift) + (offset2 - offset);
        double share = (double) k / total;
        offset += delta * share;
        m2 += m2b + delta * delta * ((double) finite * share);
        finite = total;
    }

    public TensorStats result() {
        boolean any = finite > 0;
        return new TensorStats(count, any ? min : Double.NaN, any ? max : Double.NaN, any ? shift + offset : Double.NaN,
                any ? Math.sqrt(Math.max(0, m2) / finite) : Double.NaN, zeros, nan, posInf, negInf);
    }
}
