package dev.safetensors.cli.scan;

import dev.safetensors.Tensor;
import dev.safetensors.convert.SubBytePacking;

/**
 * Min, max, mean, variance and counts of values seen so far. Each block is summed in float64 and its squared
 * deviations taken from its own mean with the corrected two-pass formula; blocks and partial results are
 * combined with Chan, Golub and LeVeque's pairwise update. So the error does not grow with the tensor's size
 * or its offset from zero, as a running sum of squares would.
 */
public final class StatsAccumulator implements ValueScan.Accumulator<StatsAccumulator> {
    private long count;
    private long finite;
    private double mean;
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
        long k = 0;
        double sum = 0;
        double lo = min;
        double hi = max;
        long z = 0;
        for (int i = 0; i < n; i++) {
            double x = v[i];
            if (x - x == 0) {   // finite
                k++;
                sum += x;
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
        double blockMean = sum / k;
        double dev = 0;
        double sq = 0;
        if (k == n) {
            for (int i = 0; i < n; i++) {
                double d = v[i] - blockMean;
                dev += d;
                sq += d * d;
            }
        } else {
            for (int i = 0; i < n; i++) {
                double x = v[i];
                if (x - x == 0) {
                    double d = x - blockMean;
                    dev += d;
                    sq += d * d;
                }
            }
        }
        // The second term removes what rounding the mean left in the deviations (Björck's correction).
        combine(k, blockMean, sq - dev * dev / k);
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
            combine(later.finite, later.mean, later.m2);
        }
    }

    /** Adds {@code k} finite values with mean {@code mean2} and squared deviations {@code m2b}. */
    private void combine(long k, double mean2, double m2b) {
        if (finite == 0) {
            finite = k;
            mean = mean2;
            m2 = m2b;
            return;
        }
        long total = finite + k;
        double delta = mean2 - mean;
        double share = (double) k / total;
        mean += delta * share;
        m2 += m2b + delta * delta * ((double) finite * share);
        finite = total;
    }

    public TensorStats result() {
        boolean any = finite > 0;
        return new TensorStats(count, any ? min : Double.NaN, any ? max : Double.NaN, any ? mean : Double.NaN,
                any ? Math.sqrt(Math.max(0, m2) / finite) : Double.NaN, zeros, nan, posInf, negInf);
    }
}
