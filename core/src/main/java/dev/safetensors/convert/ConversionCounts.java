package dev.safetensors.convert;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * What an encoding did to values outside the target's range, counted as it runs: pass one to
 * {@link FloatEncoder} or {@link Conversion} and read it after the write. Safe to share between threads.
 *
 * <pre>{@code
 * ConversionCounts counts = new ConversionCounts();
 * writer.add(t.name(), DType.F16, t.shape(), Conversion.of(t, DType.F16, Overflow.NON_SATURATING,
 *         SubBytePacking.DEFAULT, counts));
 * writer.write(path);
 * if (counts.outOfRange() > 0) System.err.println(counts);   // 12 of 4,096 values: 12 overflowed to infinity, ...
 * }</pre>
 */
public final class ConversionCounts {
    private final LongAdder values = new LongAdder();
    private final LongAdder overflowed = new LongAdder();
    private final LongAdder saturated = new LongAdder();
    private final LongAdder becameNaN = new LongAdder();

    /** Counts that start at zero. */
    public ConversionCounts() {
    }

    /** {@return values encoded} */
    public long values() {
        return values.sum();
    }

    /** {@return finite values that became ±Inf (non-saturating cast to a target with infinities)} */
    public long overflowed() {
        return overflowed.sum();
    }

    /** {@return finite values past the target's range clamped to ±max (and, for F8_E8M0, values past 2^127)} */
    public long saturated() {
        return saturated.sum();
    }

    /**
     * {@return values that were not NaN and became NaN: finite overflow or an infinity in a target without infinities,
     * and zero or negative values encoded as F8_E8M0 (which has neither)}
     */
    public long becameNaN() {
        return becameNaN.sum();
    }

    /** {@return values that overflowed, saturated or became NaN} */
    public long outOfRange() {
        return overflowed() + saturated() + becameNaN();
    }

    void add(long values, long overflowed, long saturated, long becameNaN) {
        this.values.add(values);
        if (overflowed != 0) {
            this.overflowed.add(overflowed);
        }
        if (saturated != 0) {
            this.saturated.add(saturated);
        }
        if (becameNaN != 0) {
            this.becameNaN.add(becameNaN);
        }
    }

    /** For example {@code 12 of 4,096 values: 12 overflowed to infinity, 0 saturated, 0 became NaN}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%,d of %,d values: %,d overflowed to infinity, %,d saturated, %,d became NaN",
                outOfRange(), values(), overflowed(), saturated(), becameNaN());
    }
}
