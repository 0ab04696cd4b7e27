package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code convert --dtype} casts as PyTorch and NumPy do by default (Inf stays Inf, finite overflow becomes Inf
 * where the target has one), saturates only finite values, and says on stderr what left the range. The
 * expected codes are the formats' own (docs/format.md#narrow-floats): F16 Inf 0x7C00, max 0x7BFF; BF16 Inf 0x7F80, NaN
 * 0x7FC0; F8_E4M3 max 0x7E, NaN 0x7F; F8_E5M2 Inf 0x7C.
 */
class ConvertDtypeTest {
    private static final float INF = Float.POSITIVE_INFINITY;
    /** Inf, -Inf, NaN, three finite values past F16's range, 1, -0. */
    private static final float[] W = {INF, -INF, Float.NaN, 65520, 1e5f, Float.MAX_VALUE, 1, -0.0f};

    @TempDir
    Path dir;
    Path in;

    @BeforeEach
    void write() {
        in = dir.resolve("in.safetensors");
        SafeTensorsWriter.create()
                .add("w", DType.F32, Shape.of(W.length), TensorData.of(W))
                .add("steps", DType.I64, Shape.of(1), TensorData.of(new long[] {7}))
                .write(in);
    }

    private Cli convert(String... options) {
        String[] args = new String[3 + options.length];
        args[0] = "convert";
        args[1] = in.toString();
        args[2] = dir.resolve("out.safetensors").toString();
        System.arraycopy(options, 0, args, 3, options.length);
        Cli r = Cli.run(args);
        assertThat(r.exitCode()).as(r.err()).isZero();
        return r;
    }

    private int[] codes() {
        try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve("out.safetensors"))) {
            assertThat(f.tensor("steps").toLongArray()).containsExactly(7);
            byte[] b = f.tensor("w").toByteArray();
            int width = f.tensor("w").dtype().bits() / 8;
            int[] c = new int[b.length / width];
            for (int i = 0; i < c.length; i++) {
                c[i] = width == 1 ? b[i] & 0xFF : (b[2 * i] & 0xFF) | (b[2 * i + 1] & 0xFF) << 8;
            }
            return c;
        }
    }

    @Test
    void f16KeepsInfinitiesByDefault() {
        Cli r = convert("--dtype", "F16");
        assertThat(codes()).containsExactly(0x7C00, 0xFC00, 0x7E00, 0x7C00, 0x7C00, 0x7C00, 0x3C00, 0x8000);
        assertThat(r.err()).isEqualTo("safetensors: converted 8 values to F16 (NON_SATURATING): 3 out of range: "
                + "3 overflowed to infinity, 0 saturated, 0 became NaN; in `w` (3)\n");
    }

    @Test
    void bf16KeepsInfinitiesByDefault() {
        Cli r = convert("--dtype", "BF16");
        // 65520 = 0x477FF000 rounds up to 0x4780; 1e5 = 0x47C35000 down to 0x47C3; FLT_MAX past 0x7F7F to Inf.
        assertThat(codes()).containsExactly(0x7F80, 0xFF80, 0x7FC0, 0x4780, 0x47C3, 0x7F80, 0x3F80, 0x8000);
        assertThat(r.err()).contains("converted 8 values to BF16 (NON_SATURATING): 1 out of range: 1 overflowed");
    }

    @Test
    void saturationClampsFiniteValuesOnly() {
        Cli r = convert("--dtype", "F16", "--overflow", "SATURATE");
        assertThat(codes()).containsExactly(0x7C00, 0xFC00, 0x7E00, 0x7BFF, 0x7BFF, 0x7BFF, 0x3C00, 0x8000);
        assertThat(r.err()).contains("(SATURATE): 3 out of range: 0 overflowed to infinity, 3 saturated, 0 became NaN");
    }

    /** F8_E4M3 has no Inf: saturation is its default, and an infinity becomes NaN, never ±448. */
    @Test
    void e4m3SaturatesByDefaultAndTurnsInfinitiesIntoNaN() {
        Cli r = convert("--dtype", "F8_E4M3");
        assertThat(codes()).containsExactly(0x7F, 0xFF, 0x7F, 0x7E, 0x7E, 0x7E, 0x38, 0x80);
        assertThat(r.err()).contains("(SATURATE): 5 out of range: 0 overflowed to infinity, 3 saturated, 2 became NaN");
        Cli pytorch = convert("--dtype", "F8_E4M3", "--overflow", "NON_SATURATING");
        assertThat(codes()).containsExactly(0x7F, 0xFF, 0x7F, 0x7F, 0x7F, 0x7F, 0x38, 0x80);
        assertThat(pytorch.err()).contains("5 out of range: 0 overflowed to infinity, 0 saturated, 5 became NaN");
    }

    @Test
    void e5m2OverflowsToInfinityByDefault() {
        Cli r = convert("--dtype", "F8_E5M2");
        assertThat(codes()).containsExactly(0x7C, 0xFC, 0x7F, 0x7C, 0x7C, 0x7C, 0x3C, 0x80);
        assertThat(r.err()).contains("(NON_SATURATING): 3 out of range: 3 overflowed to infinity");
    }

    @Test
    void aCastWithNothingOutOfRangeSaysSo() {
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2}))
                .add("steps", DType.I64, Shape.of(1), TensorData.of(new long[] {7})).write(in);
        Cli r = convert("--dtype", "BF16");
        assertThat(codes()).containsExactly(0x3F80, 0x4000);
        assertThat(r.err()).isEqualTo("safetensors: converted 2 values to BF16 (NON_SATURATING): 0 out of range: "
                + "0 overflowed to infinity, 0 saturated, 0 became NaN\n");
        Cli none = convert();
        assertThat(none.err()).isEmpty();
        Cli orphan = Cli.run("convert", in.toString(), dir.resolve("x.safetensors").toString(), "--overflow", "SATURATE");
        assertThat(orphan.exitCode()).isEqualTo(2);
        assertThat(orphan.err()).contains("--overflow applies to --dtype conversion");
    }
}
