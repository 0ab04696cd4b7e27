package dev.safetensors.convert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.internal.convert.MiniFloat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bit-arithmetic encoder equals the search-by-definition encoder, on a wide sweep of floats. */
class FastEncoderTest {
    private static final List<MiniFloat> FORMATS = List.of(MiniFloat.E4M3FN, MiniFloat.E5M2, MiniFloat.E4M3FNUZ,
            MiniFloat.E5M2FNUZ, MiniFloat.E2M1, MiniFloat.E2M3, MiniFloat.E3M2);

    @Test
    void fastEqualsReferenceEverywhere() {
        for (MiniFloat f : FORMATS) {
            for (Overflow o : Overflow.values()) {
                // Every 4099th bit pattern: all exponents, both signs, NaNs and infinities.
                for (long bits = 0; bits < 1L << 32; bits += 4099) {
                    check(f, Float.intBitsToFloat((int) bits), o);
                }
                // Every code's value, the midpoints between neighbours and their neighbours.
                for (int c = 0; c < 1 << f.bits(); c++) {
                    float v = f.decode(c);
                    check(f, v, o);
                    float next = f.decode(c + 1);
                    if (Float.isFinite(v) && Float.isFinite(next) && c + 1 < 1 << f.bits()) {
                        float mid = (float) (((double) v + next) / 2);
                        check(f, mid, o);
                        check(f, Math.nextUp(mid), o);
                        check(f, Math.nextDown(mid), o);
                    }
                }
            }
        }
    }

    private static void check(MiniFloat f, float x, Overflow o) {
        assertThat(f.encode(x, o)).as("%s %s %s (bits %08x)", f, o, x, Float.floatToRawIntBits(x))
                .isEqualTo(f.encodeReference(x, o));
    }
}
