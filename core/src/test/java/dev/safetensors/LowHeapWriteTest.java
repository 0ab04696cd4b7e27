package dev.safetensors;

import dev.safetensors.testing.ChildJvm;
import dev.safetensors.testing.LowHeapWrite;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 3 GiB model is written, then copied, by a JVM whose heap is 256 MiB. */
@Tag("slow")
class LowHeapWriteTest {
    @TempDir
    Path dir;

    @Test
    void writesAndCopiesThreeGibUnderA256MibHeap() throws Exception {
        Path first = dir.resolve("model.safetensors");
        Path copy = dir.resolve("copy.safetensors");
        ChildJvm.Result r = ChildJvm.run("256m", LowHeapWrite.class, 600, first.toString(), copy.toString());
        assertThat(r.exitCode()).as(r.output()).isZero();

        long data = LowHeapWrite.BIG + LowHeapWrite.SMALL;
        for (Path p : new Path[] {first, copy}) {
            try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
                assertThat(Files.size(p)).isEqualTo(f.header().dataStart() + data);
                assertThat(f.metadata()).hasValueSatisfying(m -> assertThat(m).containsEntry("purpose", "low-heap test"));
                // Windows at the start, across the 2 GiB mark, and at the end of each tensor.
                checkWindows(f.tensor("big").data(), 0, LowHeapWrite.BIG);
                checkWindows(f.tensor("small").data(), 1, LowHeapWrite.SMALL);
            }
        }
        assertThat(Files.mismatch(first, copy)).isEqualTo(-1);
    }

    private static void checkWindows(MemorySegment t, int index, long size) {
        assertThat(t.byteSize()).isEqualTo(size);
        for (long start : new long[] {0, (1L << 31) - 4096, size / 3, size - 4096}) {
            if (start < 0 || start + 4096 > size) {
                continue;
            }
            for (long off = start; off < start + 4096; off++) {
                if (t.get(ValueLayout.JAVA_BYTE, off) != LowHeapWrite.pattern(index, off)) {
                    throw new AssertionError("tensor " + index + " differs at byte " + off);
                }
            }
        }
    }
}
