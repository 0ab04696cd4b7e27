package dev.safetensors;

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
 * A writer killed with SIGKILL at random moments (50 times per mode) while it rewrites a file: afterwards
 * the file is always one complete version, never a mixture, and the temp files the kills leave behind are
 * gone once the next write in the directory completes.
 */
@Tag("slow")
class CrashSafetyTest {
    @TempDir
    Path dir;

    @Test
    void sigkillDuringWriteLeavesACompleteFile() throws Exception {
        killRepeatedly("write", 50);
    }

    @Test
    void sigkillDuringConvertLeavesACompleteFile() throws Exception {
        killRepeatedly("convert", 50);
    }

    private void killRepeatedly(String mode, int trials) throws Exception {
        Path target = dir.resolve("model.safetensors");
        writeVersion(target, 0);
        Random random = new Random(mode.hashCode());
        List<Integer> seen = new ArrayList<>();
        for (int trial = 0; trial < trials; trial++) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx128m", "-cp", System.getProperty("java.class.path"), KillTarget.class.getName(),
                    target.toString(), mode).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
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
