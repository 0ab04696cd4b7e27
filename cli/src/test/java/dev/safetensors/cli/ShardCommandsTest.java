package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.Checkpoint;
import dev.safetensors.SafeTensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardCommandsTest {
    @TempDir
    Path dir;

    /** The PEFT adapter (25 F32 tensors, 1.2 MB) sharded at 300 KB, then merged back byte for byte. */
    @Test
    void shardThenMergeRoundTrips() throws Exception {
        Path in = Cli.fixture("anirudh-ak__peft-gpt2__model__lora_model__adapter_model.safetensors");
        Path shards = dir.resolve("shards");
        Cli r = Cli.run("convert", in.toString(), shards.toString(), "--max-shard-size", "300KB");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote 25 tensors");
        assertThat(shards.resolve("model.safetensors.index.json")).exists();
        try (var files = Files.list(shards)) {
            assertThat(files.filter(p -> p.toString().endsWith(".safetensors")).count()).isGreaterThan(3);
        }
        Path merged = dir.resolve("merged.safetensors");
        assertThat(Cli.run("convert", shards.toString(), merged.toString()).exitCode()).isZero();
        // A canonical rewrite of the original is byte-identical to the merge of its shards.
        Path canonical = dir.resolve("canonical.safetensors");
        assertThat(Cli.run("convert", in.toString(), canonical.toString()).exitCode()).isZero();
        assertThat(Files.mismatch(merged, canonical)).isEqualTo(-1);
        try (SafeTensorsFile a = SafeTensorsFile.open(in); Checkpoint b = Checkpoint.open(shards)) {
            assertThat(b.sortedNames()).isEqualTo(a.sortedNames());
            for (String n : a.names()) {
                assertThat(b.tensor(n).toByteArray()).isEqualTo(a.tensor(n).toByteArray());
            }
        }
        assertThat(Cli.run("convert", in.toString(), shards.toString(), "--max-shard-size", "lots").exitCode()).isEqualTo(2);
    }

    /** Re-sharding into the same directory replaces the checkpoint there: nothing of the old one is left or read. */
    @Test
    void reshardingReplacesTheOldCheckpoint() throws Exception {
        Path in = Cli.fixture("anirudh-ak__peft-gpt2__model__lora_model__adapter_model.safetensors");
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("config.json"), "{}");
        assertThat(Cli.run("convert", in.toString(), out.toString(), "--max-shard-size", "300KB").exitCode()).isZero();
        int first = shards(out).size();
        assertThat(Cli.run("convert", in.toString(), out.toString(), "--max-shard-size", "600KB",
                "--metadata", "round=2").exitCode()).isZero();
        List<String> second = shards(out);
        assertThat(second.size()).isLessThan(first);
        assertThat(second).allMatch(n -> n.endsWith(String.format("-of-%05d.safetensors", second.size())));
        try (Checkpoint ckpt = Checkpoint.open(out)) {
            assertThat(ckpt.metadata()).isPresent();   // the new index
            assertThat(((dev.safetensors.ShardedCheckpoint) ckpt).shards()).hasSize(second.size());
            assertThat(ckpt.tensor(ckpt.names().get(0)).info()).isNotNull();
        }
        // Everything fits in one file now: model.safetensors alone, the index and the shards gone.
        assertThat(Cli.run("convert", in.toString(), out.toString(), "--max-shard-size", "10GB",
                "--metadata", "round=3").exitCode()).isZero();
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("config.json", "model.safetensors");
        }
        try (Checkpoint ckpt = Checkpoint.open(out)) {
            assertThat(ckpt.size()).isEqualTo(25);
            assertThat(ckpt.metadata().orElseThrow()).containsEntry("round", "3");
        }
    }

    private static List<String> shards(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("model-")).sorted().toList();
        }
    }

    /** A size below one byte is a usage error, not a plain file named OUT; so is OUT being a file. */
    @Test
    void aShardSizeOfZeroIsAUsageError() throws Exception {
        Path in = Cli.fixture("reference-samples/overall.safetensors");
        for (String size : new String[] {"0", "0.4B", "0KB", "0.0000000001GB"}) {
            Path out = dir.resolve("out-" + size);
            Cli r = Cli.run("convert", in.toString(), out.toString(), "--max-shard-size", size);
            assertThat(r.exitCode()).as(size).isEqualTo(2);
            assertThat(r.err()).contains("--max-shard-size `" + size + "` is less than one byte");
            assertThat(out).doesNotExist();
        }
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Cli r = Cli.run("convert", in.toString(), file.toString(), "--max-shard-size", "1KB");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("is a file");
        assertThat(Files.readString(file)).isEqualTo("x");
    }
}
