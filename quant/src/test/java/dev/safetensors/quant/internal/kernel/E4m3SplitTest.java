package dev.safetensors.quant.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.quant.Reference;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The nibble split of a block's E4M3 table: for every scale whose products stay within BF16's normal range it
 * holds (negative ones too: the sign bit's sum wraps), and each output rebuilt here from the two byte tables (by the sum the split documents) is the
 * BF16 of the code's value, from the format's definition, times the scale, rounded by this test's own rounding;
 * scales that break the split are refused rather than split wrongly.
 */
class E4m3SplitTest {
    private static final float[] E4M3 = Codebook.bytes(DType.F8_E4M3);
    private final Random random = new Random(5);

    @Test
    void holdsForScalesWithinTheNormalRange() {
        for (int i = 0; i < 3000; i++) {
            // 2^-119 .. 2^111: the smallest normal code's product stays normal, 448 × scale finite
            float scale = Math.scalb(1 + random.nextFloat(), random.nextInt(231) - 119) * (i % 2 == 0 ? 1 : -1);
            if (i < 24) {
                scale = Math.scalb(1f, i - 12);     // powers of two: every product exact
            }
            byte[] low = new byte[E4m3Split.SIZE + 3];
            byte[] high = new byte[E4m3Split.SIZE + 3];
            LookupTile tile = new LookupTile(0, 256 + 7);
            tile.table(7, E4M3, 256, 0f, scale);
            assertThat(E4m3Split.split(tile, 7, low, high, 3)).as("split for scale %s", scale).isTrue();
            for (int c = 0; c < 256; c++) {
                if ((c & 0x7F) == 0x7F) {
                    continue;
                }
                int t = 3 + ((c & 0x70) == 0 ? 16 : 0) + (c & 15);     // the subnormal codes' table for high nibbles 0, 8
                int highByte = (c & 0x80) | (c >>> 4 & 7);
                short rebuilt = (short) ((highByte + high[t]) << 8 | low[t] & 0xFF);
                assertThat(rebuilt).as("code %02x × %s", c, scale)
                        .isEqualTo(Bf16OutputTest.bf16(Reference.e4m3(c) * scale));
            }
        }
    }

    @Test
    void refusesScalesThatBreakIt() {
        for (float scale : new float[] {0f, -0f, 1e37f, -1e37f, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
                Float.NaN, Float.MIN_VALUE, 0x1p-140f, -0x1p-140f}) {
            LookupTile tile = new LookupTile(0, 256);
            tile.table(0, E4M3, 256, 0f, scale);
            assertThat(E4m3Split.split(tile, 0, new byte[E4m3Split.SIZE], new byte[E4m3Split.SIZE], 0))
                    .as("split for scale %s", scale).isFalse();
        }
    }
}
