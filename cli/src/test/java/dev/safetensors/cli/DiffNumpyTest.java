package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.internal.json.JsonReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code diff --json} against NumPy on the same pairs of files: the count of values outside tolerance is
 * {@code ~np.isclose(a, b, rtol, atol, equal_nan=True)} of the values as float64, and the first of them is
 * NumPy's; the largest absolute and relative differences follow the definitions in the command's help. Pairs
 * with the same dtype, across dtypes (F32 against BF16, F16 against F64, I32 against I64), NaN and infinities
 * on one side or both, zeros in B, complex values, and a tensor compared in many tasks.
 */
class DiffNumpyTest {
    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void comparisonsAgreeWithNumpy() throws Exception {
        Random rnd = new Random(4242);
        SafeTensorsWriter a = SafeTensorsWriter.create();
        SafeTensorsWriter b = SafeTensorsWriter.create();

        float[] same = gaussian(rnd, 1000);
        a.add("same", DType.F32, Shape.of(10, 100), TensorData.of(same));
        b.add("same", DType.F32, Shape.of(10, 100), TensorData.of(same.clone()));

        float[] x = gaussian(rnd, 20_000);
        float[] y = x.clone();
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f};
        for (int i = 0; i < x.length; i++) {
            switch (rnd.nextInt(20)) {
                case 0 -> y[i] = x[i] * (1 + 1e-4f * (float) rnd.nextGaussian());   // small relative changes
                case 1 -> y[i] = 0;                                                  // B zero: relative difference inf
                case 2 -> x[i] = y[i] = Float.NaN;                                   // NaN on both sides: equal
                case 3 -> x[i] = Float.NaN;                                          // NaN on one side
                case 4 -> y[i] = specials[rnd.nextInt(specials.length)];
                case 5 -> x[i] = y[i] = Float.NEGATIVE_INFINITY;                     // equal infinities
                case 6 -> y[i] = x[i] + 1e-3f;
                default -> { }
            }
        }
        a.add("mixed", DType.F32, Shape.of(200, 100), TensorData.of(x));
        b.add("mixed", DType.F32, Shape.of(200, 100), TensorData.of(y));

        float[] cast = gaussian(rnd, 5000);
        short[] bf16 = new short[cast.length];
        for (int i = 0; i < cast.length; i++) {
            bf16[i] = (short) (Float.floatToRawIntBits(cast[i]) >>> 16);   // truncated: up to 2^-7 relative
        }
        a.add("f32_vs_bf16", DType.F32, Shape.of(cast.length), TensorData.of(cast));
        b.add("f32_vs_bf16", DType.BF16, Shape.of(cast.length), TensorData.of(bf16));

        short[] half = new short[3000];
        double[] wide = new double[half.length];
        for (int i = 0; i < half.length; i++) {
            half[i] = Float.floatToFloat16((float) rnd.nextGaussian());
            wide[i] = Float.float16ToFloat(half[i]) + (rnd.nextInt(3) == 0 ? 1e-9 : 0);
        }
        a.add("f16_vs_f64", DType.F16, Shape.of(3, 1000), TensorData.of(half));
        b.add("f16_vs_f64", DType.F64, Shape.of(3, 1000), TensorData.of(wide));

        int[] i32 = new int[4000];
        long[] i64 = new long[i32.length];
        for (int i = 0; i < i32.length; i++) {
            i32[i] = rnd.nextInt();
            i64[i] = rnd.nextInt(10) == 0 ? i32[i] + rnd.nextInt(5) : i32[i];
        }
        a.add("i32_vs_i64", DType.I32, Shape.of(i32.length), TensorData.of(i32));
        b.add("i32_vs_i64", DType.I64, Shape.of(i64.length), TensorData.of(i64));

        float[] big = gaussian(rnd, 5_000_000);
        float[] big2 = big.clone();
        for (int k = 0; k < 30; k++) {
            int at = 4_200_000 + rnd.nextInt(700_000);   // all in the second task of 2^22 values
            big2[at] += 0.5f;
        }
        a.add("big", DType.F32, Shape.of(5000, 1000), TensorData.of(big));
        b.add("big", DType.F32, Shape.of(5000, 1000), TensorData.of(big2));

        float[] c = gaussian(rnd, 2 * 500);
        float[] c2 = c.clone();
        c2[301] += 1;   // the imaginary part of element 150
        a.add("complex", DType.C64, Shape.of(500), TensorData.of(c));
        b.add("complex", DType.C64, Shape.of(500), TensorData.of(c2));

        Path fa = dir.resolve("a.safetensors");
        Path fb = dir.resolve("b.safetensors");
        a.write(fa);
        b.write(fb);

        for (double[] tol : new double[][] {{0, 0}, {1e-3, 0}, {0, 1e-2}, {1e-5, 1e-3}}) {
            String atol = Double.toString(tol[0]);
            String rtol = Double.toString(tol[1]);
            Cli r = Cli.run("diff", "--json", "--atol", atol, "--rtol", rtol, fa.toString(), fb.toString());
            assertThat(r.exitCode()).as(r.err()).isEqualTo(1);   // "mixed" is never within tolerance
            Map<String, Object> ours = (Map<String, Object>) JsonReader.parse(r.out().getBytes(StandardCharsets.UTF_8), "diff");
            Map<String, Object> tensors = (Map<String, Object>) ours.get("tensors");
            Map<String, Object> numpy = NumpyOracle.run(dir, "diff", fa.toString(), fb.toString(), atol, rtol);
            assertThat(tensors.keySet()).containsExactlyInAnyOrderElementsOf(numpy.keySet());
            for (String name : numpy.keySet()) {
                String label = name + " atol " + atol + " rtol " + rtol;
                Map<String, Object> e = (Map<String, Object>) numpy.get(name);
                Map<String, Object> o = (Map<String, Object>) tensors.get(name);
                assertThat(o.get("compared")).as(label).isEqualTo(true);
                assertThat(o.get("outside_tolerance")).as(label + " outside").isEqualTo(e.get("outside"));
                assertThat(text(o.get("max_abs"))).as(label + " max_abs").isEqualTo(text(e.get("max_abs")));
                assertThat(text(o.get("max_rel"))).as(label + " max_rel").isEqualTo(text(e.get("max_rel")));
                long first = ((Number) e.get("first")).longValue();
                if (first < 0) {
                    assertThat(o.get("first_outside")).as(label).isNull();
                } else {
                    Map<String, Object> f = (Map<String, Object>) o.get("first_outside");
                    assertThat(flatIndex(f, (List<Object>) o.get("shape_a"))).as(label + " first").isEqualTo(first);
                    assertThat(text(f.get("a"))).as(label).isEqualTo(text(e.get("first_a")));
                    assertThat(text(f.get("b"))).as(label).isEqualTo(text(e.get("first_b")));
                }
            }
            assertThat(((Map<String, Object>) tensors.get("same")).get("bytes_identical")).isEqualTo(true);
            assertThat(((Map<String, Object>) tensors.get("big")).get("bytes_identical")).isEqualTo(false);
            assertThat(((Map<String, Object>) tensors.get("f32_vs_bf16")).get("bytes_identical")).isEqualTo(false);
            Map<String, Object> complex = (Map<String, Object>) ((Map<String, Object>) tensors.get("complex")).get("first_outside");
            assertThat(complex.get("index")).isEqualTo(List.of(150L));
            assertThat(complex.get("component")).isEqualTo("im");
        }
    }

    /** A number as text, so that NaN equals NaN and 0.0 differs from -0.0. */
    private static String text(Object v) {
        return Double.toString(NumpyOracle.number(v));
    }

    /** The flat value index of a first_outside entry: row-major, times 2 plus the part for C64. */
    private static long flatIndex(Map<String, Object> first, List<Object> shape) {
        List<Object> index = (List<Object>) first.get("index");
        long flat = 0;
        for (int d = 0; d < shape.size(); d++) {
            flat = flat * ((Number) shape.get(d)).longValue() + ((Number) index.get(d)).longValue();
        }
        return first.containsKey("component") ? 2 * flat + (first.get("component").equals("im") ? 1 : 0) : flat;
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }
}
