package dev.safetensors;

import dev.safetensors.testing.DirectoryVersion;
import dev.safetensors.testing.KillTarget;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer killed with SIGKILL at random moments while it rewrites a file (25 times per mode) or replaces a
 * sharded checkpoint (36 times): afterwards the file is always one complete version, and the directory
 * always opens as one complete checkpoint, never a mixture; what the kills left behind (temp files, new
 * shards not yet committed, old ones not yet removed) is gone once the next write there completes. Every
 * step boundary of a replacement is checked deterministically by {@link ShardSetReplacementTest}; this test
 * kills inside the steps, at the system-call level.
 */
@Tag("slow")
class CrashSafetyTest {
    @TempDir
    Path dir;

    @Test
    void sigkillDuringWriteLeavesACompleteFile() throws Exception {
        killRepeatedly("write", 25);
    }

    @Test
    void sigkillDuringConvertLeavesACompleteFile() throws Exception {
        killRepeatedly("convert", 25);
    }

    @Test
    void sigkillDuringReshardingLeavesACompleteCheckpoint() throws Exception {
        Path ckpt = Files.createDirectories(dir.resolve("ckpt"));
        Files.writeString(ckpt.resolve("config.json"), "{}");
        KillTarget.reshard(ckpt, 0, 1);
        Random random = new Random(42);
        List<Integer> seen = new ArrayList<>();
        int last = DirectoryVersion.of(ckpt, KillTarget.RESHARD_TENSORS);
        for (int trial = 0; trial < 36; trial++) {
            Process p = child(ckpt, "reshard", Integer.toString(last));
            Thread.sleep(150 + random.nextInt(600));
            p.destroyForcibly();   // SIGKILL on Linux
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            int v = DirectoryVersion.of(ckpt, KillTarget.RESHARD_TENSORS);
            assertThat(v).as("after kill %d the directory opens as one complete checkpoint: %s", trial,
                    DirectoryVersion.names(ckpt)).isNotEqualTo(DirectoryVersion.NOTHING);
            seen.add(v);
            last = v;
        }
        assertThat(seen.stream().distinct().count()).as("the writer made progress between kills").isGreaterThan(1);
        // The next write leaves exactly its checkpoint: nothing stale, no temp file, no staged shard.
        KillTarget.reshard(ckpt, 3, 1);
        assertThat(DirectoryVersion.names(ckpt)).isEqualTo(DirectoryVersion.expected(KillTarget.shardsOf(3), "config.json"));
    }

    private static Process child(Path target, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), KillTarget.class.getName(), target.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private void killRepeatedly(String mode, int trials) throws Exception {
        Path target = dir.resolve("model.safetensors");
        writeVersion(target, 0);
        Random random = new Random(mode.hashCode());
        List<Integer> seen = new ArrayList<>();
        for (int trial = 0; trial < trials; trial++) {
            Process p = child(target, mode);
            Thread.sleep(150 + random.nextInt(600));
            p.destroyForcibly();   // SIGKILL on Linux
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            seen.add(checkComplete(target));
        }
        assertThat(seen.stream().distinct().count()).as("the writer made progress between kills").isGreaterThan(1);
        // The next write in the directory removes what the killed writers left.
        SafeTensorsWriter.create().write(dir.resolve("other.safetensors"));
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("model.safetensors",
                    "other.safetensors");
        }
    }

    /** The version the file holds; fails unless every byte of every tensor belongs to that version. */
    private static int checkComplete(Path target) throws IOException {
        try (SafeTensorsFile f = SafeTensorsFile.open(target)) {
            int version = Integer.parseInt(f.metadata().map(m -> m.get("version")).orElseThrow());
            assertThat(f.size()).isEqualTo(KillTarget.TENSORS);
            for (Tensor t : f.tensors()) {
                MemorySegment data = t.data();
                assertThat(data.byteSize()).isEqualTo(KillTarget.BYTES);
                for (long i = 0; i < data.byteSize(); i += 4093) {
                    assertThat(data.get(ValueLayout.JAVA_BYTE, i)).isEqualTo((byte) version);
                }
                assertThat(data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1)).isEqualTo((byte) version);
            }
            return version;
        }
    }

    private static void writeVersion(Path target, int version) {
        SafeTensorsWriter w = SafeTensorsWriter.create().metadata(Map.of("version", Integer.toString(version)));
        for (int t = 0; t < KillTarget.TENSORS; t++) {
            byte[] data = new byte[KillTarget.BYTES];
            java.util.Arrays.fill(data, (byte) version);
            w.add("t" + t, DType.U8, Shape.of(KillTarget.BYTES), TensorData.of(data));
        }
        w.write(target);
    }
}
