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

    /** Takes in {@code v[0..n)}. */
    public void add(double[] v, int n) {
        double k0 = Double.NaN;
        long k = 0;
        double sum = 0;
        double lo = min;
        double hi = max;
        long z = 0;
        for (int i = 0; i < n; i++) {
            double x = v[i];
            if (x - x == 0) {   // finite
                if (k == 0) {
                    k0 = x;
                }
                k++;
                sum += x - k0;
                lo = x < lo ? x : lo;
                hi = x > hi ? x : hi;
                z += x == 0 ? 1 : 0;
            } else if (x != x) {
                nan++;
            } else if (x > 0) {
                posInf++;
            } else {
                negInf++;
            }
        }
        count += n;
        min = lo;
        max = hi;
        zeros += z;
        if (k == 0) {
            return;
        }
        double mean = sum / k;
        double dev = 0;
        double sq = 0;
        if (k == n) {
            for (int i = 0; i < n; i++) {
                double d = (v[i] - k0) - mean;
                dev += d;
                sq += d * d;
            }
        } else {
            for (int i = 0; i < n; i++) {
                double x = v[i];
                if (x - x == 0) {
                    double d = (x - k0) - mean;
                    dev += d;
                    sq += d * d;
                }
            }
        }
        // The deviations' sum is what rounding left in the first mean: adding its share refines the mean, and
        // subtracting its square keeps the squared deviations about the refined one (the corrected two-pass formula).
        combine(k, k0, mean + dev / k, sq - dev * dev / k);
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
