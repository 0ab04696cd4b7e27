package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.cli.scan.Histogram;
import dev.safetensors.cli.scan.StatsAccumulator;
import dev.safetensors.cli.scan.TensorStats;
import dev.safetensors.cli.scan.ValueScan;
import dev.safetensors.convert.SubBytePacking;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's histograms bin values exactly as {@code np.histogram(values.astype(np.float64), bins,
 * range=(min, max))}: values on bin edges (integers on a grid of edges), a single value (the range widened by
 * 0.5 each way), a narrow range, NaN and infinities left out.
 */
class HistogramNumpyTest {
    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void binsAgreeWithNumpy() throws Exception {
        Random rnd = new Random(77);
        SafeTensorsWriter w = SafeTensorsWriter.create();
        float[] grid = new float[129 * 50];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = i % 129;   // 0..128: with 64 bins every even value is an edge
        }
        w.add("grid", DType.F32, Shape.of(grid.length), TensorData.of(grid));
        float[] normal = new float[300_000];
        for (int i = 0; i < normal.length; i++) {
            normal[i] = (float) rnd.nextGaussian();
        }
        w.add("normal", DType.F32, Shape.of(600, 500), TensorData.of(normal));
        w.add("constant", DType.F32, Shape.of(9), TensorData.of(new float[] {5, 5, 5, 5, 5, 5, 5, 5, 5}));
        double[] tiny = new double[1000];
        for (int i = 0; i < tiny.length; i++) {
            tiny[i] = 1e-3 + rnd.nextInt(1000) * 1e-12;   // a narrow range whose 64 bins still have distinct edges
        }
        w.add("tiny_range", DType.F64, Shape.of(tiny.length), TensorData.of(tiny));
        short[] bf16 = new short[40_000];
        for (int i = 0; i < bf16.length; i++) {
            bf16[i] = (short) rnd.nextInt();
        }
        w.add("bf16_bits", DType.BF16, Shape.of(bf16.length), TensorData.of(bf16));
        byte[] u8 = new byte[10_000];
        rnd.nextBytes(u8);
        w.add("u8", DType.U8, Shape.of(u8.length), TensorData.of(u8));
        Path file = dir.resolve("h.safetensors");
        w.write(file);

        for (int bins : new int[] {64, 7}) {
            Map<String, Object> numpy = NumpyOracle.run(dir, "histogram", file.toString(), Integer.toString(bins));
            try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
                List<Tensor> tensors = f.tensors();
                List<StatsAccumulator> stats = ValueScan.run(tensors.stream()
                        .map(t -> StatsAccumulator.job(t, SubBytePacking.DEFAULT)).toList(), 2, (d, t, i) -> { });
                List<ValueScan.Job<Histogram>> jobs = IntStream.range(0, tensors.size()).mapToObj(i -> {
                    TensorStats s = stats.get(i).result();
                    return Histogram.job(tensors.get(i), SubBytePacking.DEFAULT, s.min(), s.max(), bins);
                }).toList();
                List<Histogram> hs = ValueScan.run(jobs, 2, (d, t, n) -> { });
                assertThat(numpy).hasSize(tensors.size());
                for (int i = 0; i < tensors.size(); i++) {
                    String name = tensors.get(i).name();
                    Map<String, Object> e = (Map<String, Object>) numpy.get(name);
                    long[] expected = ((List<Object>) e.get("counts")).stream().mapToLong(c -> ((Number) c).longValue()).toArray();
                    assertThat(hs.get(i).counts()).as(name + " with " + bins + " bins").containsExactly(expected);
                    assertThat(hs.get(i).low()).as(name).isEqualTo(NumpyOracle.number(e.get("low")));
                    assertThat(hs.get(i).high()).as(name).isEqualTo(NumpyOracle.number(e.get("high")));
                }
            }
        }
    }

    /** A range of four units in the last place has room for four bins, not 64 (NumPy raises there). */
    @Test
    void aRangeTooNarrowForTheBinsGetsFewer() {
        double ulp = Math.ulp(1.0);
        Histogram h = new Histogram(1.0, 1.0 + 4 * ulp, 64);
        double[] v = {1.0, 1.0 + ulp, 1.0 + ulp, 1.0 + 2 * ulp, 1.0 + 3 * ulp, 1.0 + 4 * ulp, 0.5, Double.NaN};
        h.add(v, v.length);
        assertThat(h.counts()).containsExactly(1, 2, 1, 2);
    }
}
