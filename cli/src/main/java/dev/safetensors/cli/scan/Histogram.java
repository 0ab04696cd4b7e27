package dev.safetensors.cli.scan;

import dev.safetensors.Tensor;
import dev.safetensors.convert.SubBytePacking;

/**
 * Counts of finite values in equal-width bins over {@code [low, high]}, binned exactly as NumPy's
 * {@code np.histogram(values.astype(np.float64), bins, range=(low, high))}: the last bin is closed, values on an
 * edge go to the bin above it, and a range of one value is widened to {@code [v - 0.5, v + 0.5]}. Values
 * outside the range, NaN and the infinities are not counted.
 */
public final class Histogram implements ValueScan.Accumulator<Histogram> {
    private final double low;
    private final double high;
    private final double[] edges;
    private final double width;
    private final long[] counts;

    /**
     * Bins over {@code [low, high]}; a range too narrow for {@code bins} distinct edges (a few units in the last
     * place wide, where NumPy raises "too many bins") gets as many bins, halving, as it has room for.
     */
    public Histogram(double low, double high, int bins) {
        if (!(low <= high) || Double.isInfinite(low) || Double.isInfinite(high) || bins < 1) {
            throw new IllegalArgumentException("histogram range [" + low + ", " + high + "] with " + bins + " bins");
        }
        if (low == high) {
            low -= 0.5;
            high += 0.5;
        }
        this.low = low;
        this.high = high;
        this.width = high - low;
        double[] e = edges(low, high, bins);
        while (bins > 1 && !increasing(e)) {
            bins /= 2;
            e = edges(low, high, bins);
        }
        this.edges = e;
        this.counts = new long[bins];
    }

    /** np.linspace(low, high, bins + 1): i * step + low, the last edge exactly high. */
    private static double[] edges(double low, double high, int bins) {
        double width = high - low;
        double step = width / bins;
        double[] e = new double[bins + 1];
        for (int i = 0; i < bins; i++) {
            e[i] = step == 0 ? (double) i / bins * width + low : i * step + low;   // step 0: subnormal widths
        }
        e[bins] = high;
        return e;
    }

    private static boolean increasing(double[] e) {
        for (int i = 1; i < e.length; i++) {
            if (!(e[i - 1] < e[i])) {
                return false;
            }
        }
        return true;
    }

    /** The histogram of one tensor's values. */
    public static ValueScan.Job<Histogram> job(Tensor tensor, SubBytePacking packing, double low, double high, int bins) {
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
            public Histogram newAccumulator() {
                return new Histogram(low, high, bins);
            }

            @Override
            public void accumulate(Histogram into, long first, int n, ValueScan.Workspace ws) {
                BlockReader.read(tensor, first, n, packing, ws.bytesA, ws.floats, ws.valuesA);
                into.add(ws.valuesA, n);
            }
        };
    }

    /** Takes in {@code v[0..n)}. */
    public void add(double[] v, int n) {
        int bins = counts.length;
        for (int i = 0; i < n; i++) {
            double x = v[i];
            if (!(x >= low && x <= high)) {
                continue;   // outside, or NaN
            }
            int b = (int) ((x - low) / width * bins);
            if (b >= bins) {
                b = bins - 1;
            }
            // The same corrections NumPy makes for rounding in the scaled index.
            if (x < edges[b]) {
                b--;
            } else if (b != bins - 1 && x >= edges[b + 1]) {
                b++;
            }
            counts[b]++;
        }
    }

    @Override
    public void merge(Histogram later) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += later.counts[i];
        }
    }

    public double low() {
        return low;
    }

    public double high() {
        return high;
    }

    public long[] counts() {
        return counts.clone();
    }
}
