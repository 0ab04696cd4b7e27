package dev.safetensors.cli.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Statistics of F64 values near the largest double, against exact decimal arithmetic written here. */
class StatsAccumulatorTest {
    private static final MathContext MC = new MathContext(40);

    /** The exact population mean and standard deviation of the finite values, rounded to doubles. */
    private static double[] reference(double[] v) {
        double[] finite = Arrays.stream(v).filter(Double::isFinite).toArray();
        BigDecimal sum = BigDecimal.ZERO;
        for (double x : finite) {
            sum = sum.add(new BigDecimal(x));
        }
        BigDecimal mean = sum.divide(BigDecimal.valueOf(finite.length), MC);
        BigDecimal squares = BigDecimal.ZERO;
        for (double x : finite) {
            BigDecimal d = new BigDecimal(x).subtract(mean);
            squares = squares.add(d.multiply(d));
        }
        return new double[] {mean.doubleValue(), squares.divide(BigDecimal.valueOf(finite.length), MC).sqrt(MC).doubleValue()};
    }

    private static void assertMatches(TensorStats s, double[] v) {
        double[] ref = reference(v);
        assertThat(s.mean()).isCloseTo(ref[0], within(Math.abs(ref[0]) * 1e-12 + Math.ulp(1e308)));
        assertThat(s.std()).isCloseTo(ref[1], within(ref[1] * 1e-12));
    }

    @Test
    void valuesNearTheLargestDoubleKeepAFiniteMeanAndStd() {
        // The shifted sums overflowed: mean and std were NaN (NumPy: mean 2.5e307, std inf from its overflowing
        // squares; exactly, the std is 1.32e308).
        double[] v = {1.7e308, -1.7e308, 1e308, 5.0, Double.NaN, Double.POSITIVE_INFINITY, 0.0, -0.0, 1e-300};
        StatsAccumulator a = new StatsAccumulator();
        a.add(v, v.length);
        TensorStats s = a.result();
        assertMatches(s, v);
        assertThat(s.mean()).isFinite();
        assertThat(s.min()).isEqualTo(-1.7e308);
        assertThat(s.max()).isEqualTo(1.7e308);
        assertThat(s.count()).isEqualTo(9);
        assertThat(s.zeros()).isEqualTo(2);
        assertThat(s.nan()).isEqualTo(1);
        assertThat(s.posInf()).isEqualTo(1);
    }

    @Test
    void largeAndOrdinaryPartsMergeInEitherOrder() {
        Random r = new Random(14);
        double[] small = new double[5000];
        double[] large = new double[3000];
        for (int i = 0; i < small.length; i++) {
            small[i] = r.nextGaussian() * 1e-3 + 7;
        }
        for (int i = 0; i < large.length; i++) {
            large[i] = (r.nextDouble() * 2 - 1) * 1.6e308;
        }
        double[] all = new double[small.length + large.length];
        System.arraycopy(small, 0, all, 0, small.length);
        System.arraycopy(large, 0, all, small.length, large.length);

        StatsAccumulator first = new StatsAccumulator();
        first.add(small, small.length);
        StatsAccumulator second = new StatsAccumulator();
        second.add(large, large.length);
        first.merge(second);
        assertMatches(first.result(), all);

        StatsAccumulator x = new StatsAccumulator();
        x.add(large, large.length);
        StatsAccumulator y = new StatsAccumulator();
        y.add(small, small.length);
        x.merge(y);
        assertMatches(x.result(), all);
        assertThat(x.result().min()).isEqualTo(Arrays.stream(all).min().orElseThrow());
        assertThat(x.result().max()).isEqualTo(Arrays.stream(all).max().orElseThrow());

        // Ordinary values alone keep the unscaled path: the same figures to the last digits as before.
        StatsAccumulator plain = new StatsAccumulator();
        plain.add(small, small.length);
        double[] ref = reference(small);
        assertThat(plain.result().mean()).isCloseTo(ref[0], within(1e-14));
        assertThat(plain.result().std()).isCloseTo(ref[1], within(ref[1] * 1e-10));
    }
}
