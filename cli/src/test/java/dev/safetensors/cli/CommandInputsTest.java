package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.ShardedWriter;
import dev.safetensors.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command takes the same inputs (a file, an index, a directory of shards), validates an index both
 * ways, goes on past a failing path, and reports each failure as one line naming the file.
 */
class CommandInputsTest {
    @TempDir
    Path dir;
    Path shards;
    Path index;

    /** Six F32 tensors t0..t5 of 1,000 values each (t_k[i] = 1000k + i), two per shard. */
    @BeforeEach
    void writeShards() throws IOException {
        shards = dir.resolve("ckpt");
        Files.createDirectories(shards);
        ShardedWriter w = ShardedWriter.create(8_000);
        for (int k = 0; k < 6; k++) {
            w.add("t" + k, DType.F32, Shape.of(1000), TensorData.of(values(k)));
        }
        w.write(shards, "model");
        index = shards.resolve("model.safetensors.index.json");
    }

    private static float[] values(int k) {
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = 1000 * k + i;
        }
        return v;
    }

    private Path shard(int n) {
        return shards.resolve(String.format("model-%05d-of-00003.safetensors", n));
    }

    @Test
    void inspectShowsADirectoryOrAnIndexShardByShard() {
        for (Path input : List.of(shards, index)) {
            Cli r = Cli.run("inspect", input.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out()).startsWith(input + ": sharded checkpoint, 6 tensors in 3 shards, index " + index)
                    .containsPattern("t0 +F32 +\\[1000\\] +4,000").containsPattern("t5 +F32 +\\[1000\\] +4,000");
            for (int n = 1; n <= 3; n++) {
                assertThat(r.out()).contains(shard(n).toString());
            }
        }
        Cli json = Cli.run("inspect", "--json", shards.toString());
        assertThat(json.exitCode()).as(json.err()).isZero();
        assertThat(json.out().lines()).hasSize(3).allMatch(l -> l.startsWith("{\"path\": \"" + shards));
    }

    @Test
    void extractReadsFromWhicheverShardHoldsTheTensor() throws IOException {
        for (Path input : List.of(shards, index)) {
            Path out = dir.resolve("t4.bin");
            Cli r = Cli.run("extract", input.toString(), "t4", "--slice", "998:", "--raw", "-o", out.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
            ByteBuffer expected = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(4998).putFloat(4999);
            assertThat(Files.readAllBytes(out)).containsExactly(expected.array());
        }
        Cli missing = Cli.run("extract", shards.toString(), "t9", "-o", dir.resolve("x.npy").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).startsWith("safetensors: TensorNotFound: " + index).contains("`t9`");
    }

    @Test
    void validateChecksTheShardsAndTheIndex() {
        Cli r = Cli.run("validate", shards.toString());
        assertThat(r.exitCode()).as(r.out()).isZero();
        assertThat(r.out().lines()).containsExactly(
                shard(1) + ": OK (2 tensors)",
                shard(2) + ": OK (2 tensors)",
                shard(3) + ": OK (2 tensors)",
                index + ": OK (6 tensors in 3 shards)");
        Cli alone = Cli.run("validate", index.toString());
        assertThat(alone.out()).isEqualTo(index + ": OK (6 tensors in 3 shards)\n");
    }

    /** Each shard is a valid file, but the index disagrees with them: the directory must not pass. */
    @Test
    void aBrokenIndexFailsValidation() throws IOException {
        // t5 is in shard 3; the index puts it in shard 2.
        writeIndex("t5", 2);
        Cli r = Cli.run("validate", shards.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.subList(0, 3)).allMatch(l -> l.endsWith(": OK (2 tensors)"));
        assertThat(lines.get(3)).startsWith(index + ": INVALID ").contains("`t5`");

        // Left out of the weight map: shard 3 holds a tensor the index does not list.
        writeIndex("t5", 0);
        Cli dropped = Cli.run("validate", index.toString());
        assertThat(dropped.exitCode()).isEqualTo(1);
        assertThat(dropped.out()).startsWith(index + ": INVALID ").contains("`t5`");
    }

    /** The index as save_pretrained writes it, but with {@code tensor} in shard {@code shard} (0: not listed). */
    private void writeIndex(String tensor, int shard) throws IOException {
        StringBuilder map = new StringBuilder();
        for (int k = 0; k < 6; k++) {
            int n = ("t" + k).equals(tensor) ? shard : k / 2 + 1;
            if (n > 0) {
                map.append(map.isEmpty() ? "" : ", ").append(String.format("\"t%d\": \"model-%05d-of-00003.safetensors\"", k, n));
            }
        }
        Files.writeString(index, "{\"metadata\": {\"total_size\": 24000}, \"weight_map\": {" + map + "}}");
    }

    /** Numbered shards without an index are one checkpoint: a tensor in two of them fails the set. */
    @Test
    void aNumberedSetWithoutAnIndexIsCheckedAsOne() throws IOException {
        Files.delete(index);
        SafeTensorsWriter.create().add("t0", DType.F32, Shape.of(1), TensorData.of(new float[] {1})).write(shard(3));
        Cli r = Cli.run("validate", dir.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith(shards + ": INVALID ").contains("`t0`");
        assertThat(lines.subList(1, 4)).allMatch(l -> l.contains(": OK ("));
    }

    @Test
    void inspectGoesOnPastAFailingPath() throws IOException {
        Path good = Cli.fixture("reference-samples/f.safetensors");
        Path bad = Files.write(dir.resolve("bad.safetensors"), new byte[] {1, 2, 3});
        Path missing = dir.resolve("missing.safetensors");
        Cli r = Cli.run("inspect", good.toString(), bad.toString(), missing.toString(), shards.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).startsWith(good.toString()).contains(shards + ": sharded checkpoint");
        assertThat(r.err().lines()).containsExactly(
                "safetensors: HeaderTooSmall: " + bad + ": header too small: the file has 3 bytes, fewer than the "
                        + "8-byte header length",
                "safetensors: IoError: " + missing + ": cannot open the file: no such file");
        Cli json = Cli.run("inspect", "--json", bad.toString(), good.toString());
        assertThat(json.exitCode()).isEqualTo(1);
        assertThat(json.out().lines()).hasSize(1).allMatch(l -> l.startsWith("{\"path\": \"" + good));
    }

    /** A name with a line break cannot split an error line. */
    @Test
    void errorsAreOneLine() throws IOException {
        Path f = dir.resolve("n.safetensors");
        SafeTensorsWriter.create().add("a", DType.U8, Shape.of(1), TensorData.of(new byte[] {1})).write(f);
        Cli r = Cli.run("extract", f.toString(), "two\nlines", "-o", dir.resolve("x.npy").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1).first().asString()
                .startsWith("safetensors: TensorNotFound: " + f).contains("two\\nlines");
        Cli v = Cli.run("validate", dir.resolve("a\nb.safetensors").toString());
        assertThat(v.out().lines()).containsExactly(dir + "/a\\nb.safetensors: INVALID IoError: cannot open the file: no such file");
    }
}
