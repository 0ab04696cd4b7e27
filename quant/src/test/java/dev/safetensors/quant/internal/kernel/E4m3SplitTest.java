package dev.safetensors.quant.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.quant.Reference;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The nibble split of a block's E4M3 outputs: for every scale it takes (magnitudes 2^−119 to 2^100, negative ones
 * too: the sign bit's sum wraps), each output rebuilt here from the two byte tables, by the sum the split
 * documents, is the BF16 of the code's value (from the format's definition) times the scale, rounded by this
 * test's own rounding; scales outside that range are refused, for the full table.
 */
class E4m3SplitTest {
    private static final float[] E4M3 = Codebook.bytes(DType.F8_E4M3);
    private final Random random = new Random(5);

    @Test
    void holdsForEveryScaleItTakes() {
        for (int i = 0; i < 4000; i++) {
            float scale = switch (i % 4) {
                case 0 -> Math.scalb(1 + random.nextFloat(), random.nextInt(219) - 119);     // anywhere in range
                case 1 -> Math.scalb(1 + random.nextFloat() / 64, -119);                      // the small edge
                case 2 -> Math.scalb(1 - random.nextFloat() / 64, 100);                       // the large edge
                default -> Float.intBitsToFloat(0x3F808000 | (random.nextInt(8) << 16)) * Math.scalb(1f, i % 40 - 20);
            };
            if (i < 4) {
                scale = new float[] {0x1p-119f, 0x1p100f, 1f, 1f / 448}[i];
            }
            scale *= (i / 4) % 2 == 0 ? 1 : -1;
            byte[] low = new byte[E4m3Split.SIZE + 3];
            byte[] high = new byte[E4m3Split.SIZE + 3];
            assertThat(E4m3Split.split(E4M3, scale, low, high, 3)).as("split for scale %s", scale).isTrue();
            for (int c = 0; c < 256; c++) {
                if ((c & 0x7F) == 0x7F) {
                    continue;
                }
                // high nibbles 0 and 8 (exponent 0 or 1) take the second table
                int t = 3 + ((c & 0x70) == 0 ? 16 : 0) + (c & 15);
                int highByte = (c & 0x80) | (c >>> 4 & 7);
                short rebuilt = (short) ((highByte + high[t]) << 8 | low[t] & 0xFF);
                assertThat(rebuilt).as("code %02x × %s", c, scale)
                        .isEqualTo(Bf16OutputTest.bf16(Reference.e4m3(c) * scale));
            }
        }
    }

    @Test
    void refusesScalesOutsideIt() {
        for (float scale : new float[] {0f, -0f, 0x1.fffffep-120f, -0x1p-121f, 0x1.000002p100f, 1e37f, -1e37f,
                Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE}) {
            assertThat(E4m3Split.split(E4M3, scale, new byte[E4m3Split.SIZE], new byte[E4m3Split.SIZE], 0))
                    .as("split for scale %s", scale).isFalse();
        }
    }
}
