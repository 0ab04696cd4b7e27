package dev.safetensors.internal.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** O_DIRECT reads split into several read(2) calls (a ByteBuffer holds at most 2 GiB) return the file's bytes. */
class DirectReaderTest {
    @TempDir
    Path dir;

    @Test
    void rangesLongerThanOneReadArriveWholeIncludingTheFilesUnalignedTail() throws Exception {
        byte[] file = new byte[100_003];
        new Random(1).nextBytes(file);
        Path path = dir.resolve("f.bin");
        Files.write(path, file);
        long[][] ranges = {{4102, 90_000}, {0, 100_003}, {99_000, 1003}, {8192, 8192}, {1, 1}};
        try (Arena arena = Arena.ofConfined(); DirectReader reader = new DirectReader(2 * DirectReader.ALIGNMENT)) {
            for (long[] r : ranges) {
                MemorySegment staging = arena.allocate(r[1] + 2L * DirectReader.ALIGNMENT, DirectReader.ALIGNMENT);
                long at = reader.read(path, r[0], r[1], staging);
                Assumptions.assumeTrue(at >= 0, "the file system refuses O_DIRECT");
                assertThat(staging.asSlice(at, r[1]).toArray(ValueLayout.JAVA_BYTE))
                        .as("range %d+%d", r[0], r[1]).isEqualTo(Arrays.copyOfRange(file, (int) r[0], (int) (r[0] + r[1])));
            }
        }
    }
}
