package dev.safetensors;

import dev.safetensors.testing.ManyShardsTarget;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A checkpoint of 2,000 shards opens, reads and merges in a child JVM whose descriptor limit is 256
 * ({@code ulimit -n} in a shell): the shards' files are pooled, not all held open.
 */
@EnabledOnOs(value = {OS.LINUX, OS.MAC}, disabledReason = "needs a POSIX shell's ulimit -n to lower the descriptor limit")
class DescriptorLimitTest {
    private static final int SHARDS = 2000;
    private static final int LIMIT = 256;

    @TempDir
    static Path dir;

    /** Shards written directly (no fsync per file): shard i holds tensor t{i}, one I32 of value i. */
    @BeforeAll
    static void writeShards() throws IOException {
        Path ckpt = Files.createDirectories(dir.resolve("ckpt"));
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (int i = 1; i <= SHARDS; i++) {
            String shard = String.format("model-%05d-of-%05d.safetensors", i, SHARDS);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SafeTensorsWriter.create().add("t" + i, DType.I32, Shape.of(1), TensorData.of(new int[] {i}))
                    .write(Channels.newChannel(out));
            Files.write(ckpt.resolve(shard), out.toByteArray());
            weightMap.put("t" + i, shard);
        }
        Files.writeString(ckpt.resolve("model.safetensors.index.json"),
                ShardIndex.of(Map.of("total_size", 4L * SHARDS), weightMap).toJson());
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void thousandsOfShardsMergeUnderALowDescriptorLimit(ReadStrategy strategy) throws Exception {
        Path shell = Path.of("/bin/sh");
        Assumptions.assumeTrue(Files.isExecutable(shell), "needs /bin/sh to lower the descriptor limit");
        Path merged = dir.resolve("merged-" + strategy + ".safetensors");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(shell.toString(), "-c", "ulimit -n " + LIMIT + " && exec \"$@\"", "sh",
                java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), ManyShardsTarget.class.getName(),
                dir.resolve("ckpt").toString(), strategy.name(), merged.toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("merged " + SHARDS);
        try (SafeTensorsFile f = SafeTensorsFile.open(merged)) {
            assertThat(f.size()).isEqualTo(SHARDS);
            assertThat(f.tensor("t1999").toIntArray()).containsExactly(1999);
        }
    }
}
