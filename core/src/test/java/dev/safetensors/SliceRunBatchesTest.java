package dev.safetensors;

import dev.safetensors.testing.MemorySource;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.io.ByteSource;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slices hand a source without a mapping their byte runs in batches ({@code ByteSource.readRuns}), so a remote
 * source can merge them; the bytes are the same as run by run. Expected values: the F32 values written, index by index.
 */
class SliceRunBatchesTest {
    @TempDir
    Path dir;

    /** A source over a file's bytes that records each batch of runs it is given. */
    static final class BatchRecorder implements ByteSource {
        final List<Integer> batches = new ArrayList<>();
        final MemorySource bytes;

        BatchRecorder(byte[] content) {
            bytes = new MemorySource(content, "memory");
        }

        @Override
        public void readRuns(long[] positions, long[] lengths, MemorySegment dst) {
            batches.add(positions.length);
            ByteSource.super.readRuns(positions, lengths, dst);
        }

        @Override
        public long size() {
            return bytes.size();
        }

        @Override
        public void read(long position, MemorySegment dst) {
            bytes.read(position, dst);
        }

        @Override
        public String description() {
            return "memory";
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aColumnSliceArrivesAsFewBatchesWithTheSameBytes() throws Exception {
        int rows = 10_000;
        float[] values = new float[rows * 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        Path file = dir.resolve("m.safetensors");
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(rows, 4), TensorData.of(values)).write(file);
        BatchRecorder source = new BatchRecorder(Files.readAllBytes(file));
        try (SafeTensorsFile f = SafeTensorsFile.open(source, Header.DEFAULT_MAX_SIZE)) {
            TensorSlice col = f.tensor("w").slice(":, 1");   // one 4-byte run per row
            float[] got = col.toFloatArray();
            for (int r = 0; r < rows; r++) {
                assertThat(got[r]).isEqualTo(r * 4 + 1);
            }
            assertThat(source.batches).containsExactly(4096, 4096, rows - 2 * 4096);

            source.batches.clear();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            col.writeTo(Channels.newChannel(out));
            assertThat(out.toByteArray()).isEqualTo(col.toByteArray());
            assertThat(source.batches).hasSize(3 * 2);   // writeTo, then toByteArray: three batches each
        }
    }
}
