package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.internal.json.JsonReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stats --json} against NumPy's own min, max, mean, std and counts of the same files' values as float64:
 * every dtype NumPy can read (BF16 through its bits), special values, a tensor large enough to be summed in many
 * tasks, and one whose spread is a millionth of its offset, where a running sum of squares would lose every digit.
 */
class StatsNumpyTest {
    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void statsAgreeWithNumpy() throws Exception {
        Random rnd = new Random(20261201);
        SafeTensorsWriter w = SafeTensorsWriter.create();
        float[] big = new float[5_000_000];   // more than one task of 2^22 values
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) (1e4 + 3 * rnd.nextGaussian());
        }
        w.add("big", DType.F32, Shape.of(1000, 5000), TensorData.of(big));
        double[] offset = new double[100_000];
        for (int i = 0; i < offset.length; i++) {
            offset[i] = 1e9 + 1e-3 * rnd.nextGaussian();
        }
        w.add("offset", DType.F64, Shape.of(offset.length), TensorData.of(offset));
        float[] special = new float[50_000];
        float[] kinds = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
                -Float.MAX_VALUE, Float.MAX_VALUE, 1e-40f};
        for (int i = 0; i < special.length; i++) {
            special[i] = rnd.nextInt(4) == 0 ? kinds[rnd.nextInt(kinds.length)] : (float) rnd.nextGaussian();
        }
        w.add("special", DType.F32, Shape.of(250, 200), TensorData.of(special));
        w.add("f16_bits", DType.F16, Shape.of(70_000), TensorData.of(randomShorts(rnd, 70_000)));
        w.add("bf16_bits", DType.BF16, Shape.of(300, 300), TensorData.of(randomShorts(rnd, 90_000)));
        for (DType t : new DType[] {DType.I8, DType.U8, DType.I16, DType.U16, DType.I32, DType.U32, DType.I64, DType.U64}) {
            byte[] bytes = new byte[20_000 * t.bits() / 8];
            rnd.nextBytes(bytes);
            w.add("int_" + t, t, Shape.of(20_000), TensorData.of(bytes));
        }
        byte[] bools = new byte[1001];
        for (int i = 0; i < bools.length; i++) {
            bools[i] = (byte) rnd.nextInt(2);
        }
        w.add("bool", DType.BOOL, Shape.of(7, 11, 13), TensorData.of(bools));
        float[] complex = new float[2 * 999];
        for (int i = 0; i < complex.length; i++) {
            complex[i] = (float) rnd.nextGaussian();
        }
        w.add("complex", DType.C64, Shape.of(999), TensorData.of(complex));
        w.add("all_nan", DType.F32, Shape.of(7), TensorData.of(new float[] {Float.NaN, Float.NaN, Float.NaN,
                Float.NaN, Float.NaN, Float.NaN, Float.NaN}));
        w.add("empty", DType.F32, Shape.of(0, 3), TensorData.of(new float[0]));
        w.add("scalar", DType.F64, Shape.of(), TensorData.of(new double[] {-2.5}));
        Path file = dir.resolve("values.safetensors");
        w.write(file);

        Cli one = Cli.run("stats", "--json", "--threads", "1", file.toString());
        Cli three = Cli.run("stats", "--json", "--threads", "3", file.toString());
        assertThat(one.exitCode()).as(one.err()).isZero();
        assertThat(three.out()).as("the result does not depend on the number of threads").isEqualTo(one.out());

        Map<String, Object> ours = (Map<String, Object>) JsonReader.parse(one.out().getBytes(StandardCharsets.UTF_8), "stats");
        assertThat(ours.get("path")).isEqualTo(file.toString());
        Map<String, Object> tensors = (Map<String, Object>) ours.get("tensors");
        Map<String, Object> numpy = NumpyOracle.run(dir, "stats", file.toString());
        assertThat(tensors.keySet()).containsExactlyInAnyOrderElementsOf(numpy.keySet());
        for (String name : numpy.keySet()) {
            Map<String, Object> e = (Map<String, Object>) numpy.get(name);
            Map<String, Object> a = (Map<String, Object>) tensors.get(name);
            for (String count : new String[] {"count", "zeros", "nan", "pos_inf", "neg_inf"}) {
                assertThat(a.get(count)).as(name + " " + count).isEqualTo(e.get(count));
            }
            if (e.get("min") == null) {
                assertThat(a.get("min")).as(name).isNull();
                assertThat(a.get("mean")).as(name).isNull();
                assertThat(a.get("std")).as(name).isNull();
                continue;
            }
            assertThat(NumpyOracle.number(a.get("min"))).as(name + " min").isEqualTo(NumpyOracle.number(e.get("min")));
            assertThat(NumpyOracle.number(a.get("max"))).as(name + " max").isEqualTo(NumpyOracle.number(e.get("max")));
            double mean = NumpyOracle.number(e.get("mean"));
            double std = NumpyOracle.number(e.get("std"));
            double exactMean = NumpyOracle.number(e.get("exact_mean"));
            double exactStd = NumpyOracle.number(e.get("exact_std"));
            double ourMean = NumpyOracle.number(a.get("mean"));
            double ourStd = NumpyOracle.number(a.get("std"));
            // Against the nearly exact figures: a few units in the 13th digit of the spread.
            double scale = Math.max(Math.abs(exactMean) * 1e-3, exactStd);
            assertThat(ourMean).as(name + " mean").isCloseTo(exactMean, within(1e-12 * scale));
            assertThat(ourStd).as(name + " std").isCloseTo(exactStd, within(1e-12 * exactStd + 1e-300));
            // NumPy's own float64 mean and std are as close, or closer, where its summation error allows.
            assertThat(ourMean).as(name + " numpy mean").isCloseTo(mean, within(1e-12 * Math.max(Math.abs(mean), std)));
            assertThat(ourStd).as(name + " numpy std").isCloseTo(std, within(1e-5 * std + 1e-300));
            if (Math.abs(std - exactStd) > 1e-9 * exactStd) {
                assertThat(Math.abs(ourStd - exactStd)).as(name + ": closer than NumPy").isLessThan(Math.abs(std - exactStd));
            }
        }
        Map<String, Object> offsetStats = (Map<String, Object>) tensors.get("offset");
        assertThat(NumpyOracle.number(offsetStats.get("std"))).as("the spread survives the offset").isBetween(0.9e-3, 1.1e-3);
    }

    private static short[] randomShorts(Random rnd, int n) {
        short[] s = new short[n];
        for (int i = 0; i < n; i++) {
            s[i] = (short) rnd.nextInt();
        }
        return s;
    }
}
