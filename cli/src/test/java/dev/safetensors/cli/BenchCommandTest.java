package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.ShardedWriter;
import dev.safetensors.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shape of {@code bench --json} (its keys and value types), never its timings. */
class BenchCommandTest {
    private static final String[] NUMBERS = {"open_ms", "tensors", "header_bytes", "data_bytes", "memcpy_gbps",
            "read_mmap_gbps", "read_pread_gbps", "read_threads", "write_gbps", "raw_write_gbps", "bf16_to_f32_gbps",
            "f16_to_f32_gbps", "f8_e4m3_to_f32_gbps"};

    @Test
    void jsonHasEveryFigure() {
        String file = Cli.fixture("CoffeeVampir3__Model-Saving-Test-Repo__model.safetensors").toString();
        Cli r = Cli.run("bench", "--json", "--runs", "1", "--threads", "2", file);
        assertThat(r.exitCode()).as(r.err()).isZero();
        String line = r.out().strip();
        assertThat(line.lines()).hasSize(1);
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\"([a-z0-9_]+)\": (\"[^\"]*\"|null|-?[0-9.E]+)").matcher(line);
        while (m.find()) {
            fields.put(m.group(1), m.group(2));
        }
        assertThat(line).startsWith("{").endsWith("}");
        assertThat(fields).containsEntry("path", "\"" + file + "\"")
                .containsEntry("tensors", "4")
                .containsEntry("header_bytes", "320")
                .containsEntry("read_threads", "2")
                .containsEntry("cold_read_gbps", "null")
                .containsEntry("cold_dd_gbps", "null");
        for (String k : NUMBERS) {
            assertThat(fields).containsKey(k);
            assertThat(Double.parseDouble(fields.get(k))).as(k).isGreaterThanOrEqualTo(0);
        }
        assertThat(Long.parseLong(fields.get("data_bytes"))).isEqualTo(2048 - 8 - 320);
    }

    /** A sharded checkpoint is measured shard by shard; a path that fails is one stderr line, not the end. */
    @Test
    void measuresEachShardAndGoesOnPastAFailure(@TempDir Path dir) throws Exception {
        Path shards = Files.createDirectories(dir.resolve("shards"));
        ShardedWriter w = ShardedWriter.create(8);
        w.add("a", DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2}));
        w.add("b", DType.F32, Shape.of(2), TensorData.of(new float[] {3, 4}));
        w.write(shards, "model");
        Path bad = Files.write(dir.resolve("bad.safetensors"), new byte[] {1, 2, 3});
        Cli r = Cli.run("bench", "--json", "--runs", "1", "--threads", "1", bad.toString(), shards.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        String shardPath = "{\"path\": \"" + shards.toRealPath();
        assertThat(r.out().lines()).hasSize(2).allMatch(l -> l.startsWith(shardPath));
        assertThat(r.err().lines()).containsExactly("safetensors: HeaderTooSmall: " + bad
                + ": header too small: the file has 3 bytes, fewer than the 8-byte header length");
    }
}
