package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.ShardedWriter;
import dev.safetensors.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiffCommandTest {
    @TempDir
    Path dir;

    private static final float[] W = {1, 2, 3, 4, 5, 6};

    private Path file(String name, Map<String, String> metadata, Object... tensors) throws Exception {
        SafeTensorsWriter w = SafeTensorsWriter.create().metadata(metadata);
        for (int i = 0; i < tensors.length; i += 4) {
            w.add((String) tensors[i], (DType) tensors[i + 1], (Shape) tensors[i + 2], (TensorData) tensors[i + 3]);
        }
        Path p = dir.resolve(name);
        w.write(p);
        return p;
    }

    @Test
    void aFileEqualsTheShardsItWasSplitInto() throws Exception {
        Path single = file("single.safetensors", Map.of("format", "pt"),
                "a", DType.F32, Shape.of(2, 3), TensorData.of(W),
                "b", DType.I64, Shape.of(2), TensorData.of(new long[] {7, 8}),
                "c", DType.BF16, Shape.of(3), TensorData.of(new short[] {0x3f80, 0x4000, 0x4040}));
        Path shards = Files.createDirectories(dir.resolve("shards"));
        ShardedWriter sw = ShardedWriter.create(24).shardMetadata(Map.of("format", "pt"));
        sw.add("a", DType.F32, Shape.of(2, 3), TensorData.of(W));
        sw.add("b", DType.I64, Shape.of(2), TensorData.of(new long[] {7, 8}));
        sw.add("c", DType.BF16, Shape.of(3), TensorData.of(new short[] {0x3f80, 0x4000, 0x4040}));
        sw.write(shards, "model");

        Cli r = Cli.run("diff", single.toString(), shards.toString());
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out().lines()).containsExactly(
                "--- A: " + single + " (3 tensors)",
                "+++ B: " + shards + " (3 tensors in 2 shards)",
                "values: 3 tensors compared (atol 0, rtol 0): 3 identical, 0 within tolerance, 0 outside",
                "equal within tolerance");
        Cli viaIndex = Cli.run("diff", shards.resolve("model.safetensors.index.json").toString(), single.toString());
        assertThat(viaIndex.exitCode()).as(viaIndex.out()).isZero();
    }

    @Test
    void namesShapesMetadataAndValuesThatDiffer() throws Exception {
        Path a = file("a.safetensors", Map.of("format", "pt", "note", "old"),
                "same", DType.F32, Shape.of(6), TensorData.of(W),
                "gone", DType.F32, Shape.of(1), TensorData.of(new float[] {1}),
                "reshaped", DType.F32, Shape.of(2, 3), TensorData.of(W),
                "changed", DType.F32, Shape.of(2, 3), TensorData.of(W));
        Path b = file("b.safetensors", Map.of("format", "np", "extra", "1"),
                "same", DType.F32, Shape.of(6), TensorData.of(W),
                "new", DType.U8, Shape.of(2), TensorData.of(new byte[] {1, 2}),
                "reshaped", DType.F32, Shape.of(3, 2), TensorData.of(W),
                "changed", DType.F32, Shape.of(2, 3), TensorData.of(new float[] {1, 2, 3, 4, 5.5f, 0}));
        Cli r = Cli.run("diff", a.toString(), b.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out().lines()).containsExactly(
                "--- A: " + a + " (4 tensors)",
                "+++ B: " + b + " (4 tensors)",
                "only in A: 1 tensor",
                "  - gone  F32 [1]",
                "only in B: 1 tensor",
                "  + new  U8 [2]",
                "shape changed: 1 tensor",
                "  ~ reshaped  F32 [2, 3] -> F32 [3, 2]",
                "metadata:",
                "  ~ \"format\": \"pt\" -> \"np\"",
                "  - \"note\": \"old\"",
                "  + \"extra\": \"1\"",
                "values: 2 tensors compared (atol 0, rtol 0): 1 identical, 0 within tolerance, 1 outside",
                "  NAME     DTYPE  MAX ABS  MAX REL  OUTSIDE  FIRST OUTSIDE (A vs B)",
                "  changed  F32          6      inf        2  [1, 1]: 5.0 vs 5.5",
                "different");
        Cli json = Cli.run("diff", "--json", a.toString(), b.toString());
        assertThat(json.exitCode()).isEqualTo(1);
        assertThat(json.out()).contains("\"equal\": false")
                .contains("\"only_in_a\": {\"gone\": {\"dtype\": \"F32\", \"shape\": [1]}}")
                .contains("\"metadata\": {\"changed\": {\"format\": [\"pt\", \"np\"]}, \"only_in_a\": {\"note\": \"old\"}, "
                        + "\"only_in_b\": {\"extra\": \"1\"}}")
                .contains("\"reshaped\": {\"dtype_a\": \"F32\", \"dtype_b\": \"F32\", \"shape_a\": [2, 3], \"shape_b\": [3, 2], "
                        + "\"compared\": false, \"not_compared\": \"the shapes differ\"}")
                .contains("\"first_outside\": {\"index\": [1, 1], \"a\": 5.0, \"b\": 5.5}");
    }

    @Test
    void toleranceDecidesTheExitStatus() throws Exception {
        float step = 1f / 1024;   // exactly representable, so |a - b| is exactly 2^-10
        Path a = file("a.safetensors", Map.of(), "w", DType.F32, Shape.of(3), TensorData.of(new float[] {1, 2, 0}));
        Path b = file("b.safetensors", Map.of(), "w", DType.F32, Shape.of(3), TensorData.of(new float[] {1 + step, 2, 0}));
        assertThat(Cli.run("diff", a.toString(), b.toString()).exitCode()).isEqualTo(1);
        assertThat(Cli.run("diff", "--atol", "0.0009765625", a.toString(), b.toString()).exitCode()).isZero();
        assertThat(Cli.run("diff", "--atol", "0.00097", a.toString(), b.toString()).exitCode()).isEqualTo(1);
        // rtol is relative to B: 2^-10 / (1 + 2^-10) < 0.000976
        assertThat(Cli.run("diff", "--rtol", "0.000976", a.toString(), b.toString()).exitCode()).isZero();
        Cli within = Cli.run("diff", "--atol", "0.001", a.toString(), b.toString());
        assertThat(within.out()).contains("1 tensor compared (atol 0.001, rtol 0): 0 identical, 1 within tolerance, 0 outside")
                .contains("  NAME  DTYPE      MAX ABS     MAX REL  OUTSIDE\n  w     F32    0.000976563  0.00097561        0\n").endsWith("equal within tolerance\n");
    }

    @Test
    void differentDtypesCompareByValue() throws Exception {
        Path a = file("a.safetensors", Map.of(), "w", DType.F32, Shape.of(3), TensorData.of(new float[] {1, 1.01f, -3}));
        // BF16 of 1, 1.01 (rounded to 1.0078125) and -3
        Path b = file("b.safetensors", Map.of(), "w", DType.BF16, Shape.of(3), TensorData.of(new short[] {0x3f80, 0x3f81, (short) 0xc040}));
        Cli exact = Cli.run("diff", a.toString(), b.toString());
        assertThat(exact.exitCode()).isEqualTo(1);
        assertThat(exact.out()).contains("  w     F32 -> BF16").contains("[1]: 1.01 vs 1.0078125");
        assertThat(Cli.run("diff", "--rtol", "0.01", a.toString(), b.toString()).exitCode()).isZero();
    }

    @Test
    void f6NeedsABitOrder() throws Exception {
        byte[] bytes = {1, 2, 3};
        Path a = file("a.safetensors", Map.of(), "q", DType.F6_E2M3, Shape.of(4), TensorData.of(bytes));
        Path b = file("b.safetensors", Map.of(), "q", DType.F6_E2M3, Shape.of(4), TensorData.of(bytes.clone()));
        Cli without = Cli.run("diff", a.toString(), b.toString());
        assertThat(without.exitCode()).isEqualTo(1);
        assertThat(without.out()).contains("not compared: 1 tensor").contains("  ? q: F6_E2M3 values need a bit order");
        assertThat(Cli.run("diff", "--f6", "LSB_FIRST", a.toString(), b.toString()).exitCode()).isZero();
    }

    @Test
    void unreadableInputsAreNamedWithTheirExitStatus() throws Exception {
        Path good = file("good.safetensors", Map.of(), "w", DType.F32, Shape.of(1), TensorData.of(new float[] {1}));
        Path missing = dir.resolve("missing.safetensors");
        Path bad = Files.write(dir.resolve("bad.safetensors"), new byte[] {9, 0, 0, 0, 0, 0, 0, 0, '{'});
        Cli r = Cli.run("diff", missing.toString(), good.toString());
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines()).containsExactly("safetensors: IoError: " + missing + ": cannot open the file: no such file");
        Cli invalid = Cli.run("diff", good.toString(), bad.toString());
        assertThat(invalid.exitCode()).isEqualTo(1);
        assertThat(invalid.err()).startsWith("safetensors: ").contains(bad.toString()).hasLineCount(1);
        Cli both = Cli.run("diff", bad.toString(), missing.toString());
        assertThat(both.exitCode()).isEqualTo(3);
        assertThat(both.err()).hasLineCount(2);
    }

    @Test
    void usageErrorsExitWithTwo() throws Exception {
        Path good = file("good.safetensors", Map.of(), "w", DType.F32, Shape.of(1), TensorData.of(new float[] {1}));
        assertThat(Cli.run("diff", good.toString()).exitCode()).isEqualTo(2);
        assertThat(Cli.run("diff", "--atol", "-1", good.toString(), good.toString()).exitCode()).isEqualTo(2);
        assertThat(Cli.run("diff", "--rtol", "nan", good.toString(), good.toString()).exitCode()).isEqualTo(2);
        assertThat(Cli.run("diff", "--tensor", "(", good.toString(), good.toString()).exitCode()).isEqualTo(2);
    }
}
