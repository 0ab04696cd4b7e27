package dev.safetensors.cli.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Pad and Units.grouped print what the JDK's Formatter prints for {@code %-Ns}, {@code %Ns} and {@code %,d}. */
class PaddingAndGroupingTest {
    @Test
    void groupedIsWhatFormatterPrintsInTheRootLocale() {
        long[] edges = {0, 1, -1, 999, 1000, -1000, 999_999, 1_000_000, 12_345_678_901L, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long n : edges) {
            assertThat(Units.grouped(n)).as("%d", n).isEqualTo(String.format(Locale.ROOT, "%,d", n));
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            long n = random.nextLong() >> random.nextInt(64);
            assertThat(Units.grouped(n)).isEqualTo(String.format(Locale.ROOT, "%,d", n));
        }
    }

    @Test
    void padIsWhatFormatterPrintsAndNeverCuts() {
        for (String s : new String[] {"", "a", "BF16", "model.layers.0.mlp.up_proj.weight"}) {
            for (int width = 1; width < 40; width++) {
                assertThat(Pad.right(s, width)).isEqualTo(String.format("%-" + width + "s", s));
                assertThat(Pad.left(s, width)).isEqualTo(String.format("%" + width + "s", s));
            }
        }
    }
}
