package dev.safetensors;

import dev.safetensors.testing.CountingSource;
import dev.safetensors.testing.TestFiles;

import dev.safetensors.testing.MemorySource;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a slice costs: producing its runs is linear in runs plus rank, whatever the shape, and copying them out
 * gathers small runs, so a strided slice costs a few large reads and writes, not one system call per run.
 */
class SliceCostTest {
    @TempDir
    Path dir;

    /** A file with one U8 tensor `t` of the given shape, byte i holding i * 7 + 3 (mod 256). */
    private static byte[] u8File(String shape, int bytes) {
        byte[] header = ("{\"t\":{\"dtype\":\"U8\",\"shape\":[" + shape + "],\"data_offsets\":[0," + bytes + "]}}")
                .getBytes(StandardCharsets.US_ASCII);
        ByteBuffer bb = ByteBuffer.allocate(8 + header.length + bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.putLong(header.length).put(header);
        for (int i = 0; i < bytes; i++) {
            bb.put((byte) (i * 7 + 3));
        }
        return bb.array();
    }

    /** Shape [n, 1 x n, 2]: `..., 0` selects n runs of one byte, each behind n dimensions of size 1. */
    private static String manyOnes(int n) {
        StringBuilder sb = new StringBuilder().append(n);
        for (int i = 0; i < n; i++) {
            sb.append(",1");
        }
        return sb.append(",2").toString();
    }

    /**
     * Best of several runs of slicing, counting runs and copying out, in nanoseconds of this thread's CPU time:
     * on a shared machine wall time charges a long run with the other processes' time slices, a short one
     * often not, which would bias the ratio.
     */
    private static long sliceTime(SafeTensorsFile f, int n) {
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            long start = cpu.getCurrentThreadCpuTime();
            TensorSlice s = f.tensor("t").slice("..., 0");
            long[] runs = {0};
            s.forEachRun((offset, length) -> runs[0]++);
            byte[] out = s.toByteArray();
            best = Math.min(best, cpu.getCurrentThreadCpuTime() - start);
            assertThat(runs[0]).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                assertThat(out[i]).isEqualTo((byte) (2 * i * 7 + 3));
            }
        }
        return best;
    }

    @Test
    void runsBehindManySizeOneDimensionsCostRunsPlusRank() {
        int small = 2_000;
        int large = 16 * small;
        try (SafeTensorsFile a = SafeTensorsFile.open(new MemorySource(u8File(manyOnes(small), 2 * small), "small"),
                Header.DEFAULT_MAX_SIZE);
             SafeTensorsFile b = SafeTensorsFile.open(new MemorySource(u8File(manyOnes(large), 2 * large), "large"),
                     Header.DEFAULT_MAX_SIZE)) {
            sliceTime(a, small); // warm-up
            long t1 = sliceTime(a, small);
            long t2 = sliceTime(b, large);
            // Linear: 16x the runs and 16x the rank cost about 16x. Walking the rank per run cost 256x.
            assertThat((double) t2 / t1).as("CPU time for n = %d vs n = %d: %d vs %d ns", large, small, t2, t1)
                    .isLessThan(64);
        }
    }

    /** Counts the writes it receives and keeps the bytes. */
    private static final class CountingChannel implements WritableByteChannel {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long writes;

        @Override
        public int write(ByteBuffer src) {
            writes++;
            int n = src.remaining();
            byte[] b = new byte[n];
            src.get(b);
            bytes.writeBytes(b);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private static final int MIB = 1 << 20;

    /** Byte i of the reversed tensor, written out independently of the library. */
    private static byte reversed(int i) {
        return (byte) ((MIB - 1 - i) * 7 + 3);
    }

    @Test
    void reversedSliceFromPositionalReadsGathersRuns() throws Exception {
        CountingSource source = new CountingSource(new MemorySource(u8File(Integer.toString(MIB), MIB), "strided"));
        try (SafeTensorsFile f = SafeTensorsFile.open(source, Header.DEFAULT_MAX_SIZE)) {
            TensorSlice s = f.tensor("t").slice("::-1");
            long before = source.reads();
            byte[] bytes = s.toByteArray();
            float[] floats = s.toFloatArray();
            CountingChannel out = new CountingChannel();
            s.writeTo(out);
            long reads = source.reads() - before;
            // 2^20 runs of one byte each; read in large blocks, a handful per copy-out.
            assertThat(reads).as("positional reads for three copy-outs of 2^20 runs").isLessThan(3 * 64);
            assertThat(out.writes).as("channel writes for 2^20 runs").isLessThan(64);
            byte[] written = out.bytes.toByteArray();
            assertThat(written).hasSize(MIB);
            for (int i = 0; i < MIB; i++) {
                byte e = reversed(i);
                if (bytes[i] != e || written[i] != e || floats[i] != (e & 0xFF)) {
                    throw new AssertionError("byte " + i + ": " + bytes[i] + " / " + written[i] + " / " + floats[i]
                            + ", expected " + e);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void reversedSliceOfAFileIsWrittenInLargeWrites(ReadStrategy strategy) throws Exception {
        Path p = TestFiles.write(dir, "u8.safetensors", u8File(Integer.toString(MIB), MIB));
        try (SafeTensorsFile f = SafeTensorsFile.open(p, OpenOptions.defaults().withStrategy(strategy));
             Arena arena = Arena.ofConfined()) {
            TensorSlice s = f.tensor("t").slice("::-1");
            CountingChannel out = new CountingChannel();
            s.writeTo(out);
            assertThat(out.writes).as("channel writes for 2^20 runs").isLessThan(64);
            MemorySegment dst = arena.allocate(MIB);
            s.copyTo(dst);
            byte[] written = out.bytes.toByteArray();
            for (int i = 0; i < MIB; i++) {
                if (written[i] != reversed(i) || dst.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) != reversed(i)) {
                    throw new AssertionError("byte " + i);
                }
            }
        }
    }

    /**
     * Positional reads gather runs across gaps shorter than a page, and no further: the pages read are exactly
     * the pages that hold selected bytes (a rank never reads pages of its neighbours' columns), and strided
     * slices cost a few large reads.
     */
    @Test
    void positionalReadsTouchExactlyThePagesOfTheSelection() {
        int rows = 256;
        int cols = 4096;    // F32: rows of 16 KiB
        byte[] header = ("{\"t\":{\"dtype\":\"F32\",\"shape\":[" + rows + "," + cols + "],\"data_offsets\":[0,"
                + 4 * rows * cols + "]}}").getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = ByteBuffer.allocate(8 + header.length + 4 * rows * cols).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).array();
        // {expression, most reads allowed}: column blocks rows apart are read run by run; dense strides gathered.
        Object[][] cases = {{":, 0:512", rows}, {":, ::2", 16}, {":, ::1024", 16}, {":, ::2048", 2 * rows},
                {"::-1, ::-3", 16}, {"3, 5:9", 1}};
        for (Object[] c : cases) {
            CountingSource source = new CountingSource(new MemorySource(bytes, "pages"));
            try (SafeTensorsFile f = SafeTensorsFile.open(source, Header.DEFAULT_MAX_SIZE)) {
                TensorSlice s = f.tensor("t").slice((String) c[0]);
                long begin = f.header().dataStart();
                java.util.List<long[]> needed = new java.util.ArrayList<>();
                s.forEachRun((offset, length) -> needed.add(new long[] {begin + offset, length}));
                int before = source.ranges().size();
                s.toFloatArray();
                java.util.List<long[]> read = source.ranges().subList(before, source.ranges().size());
                assertThat(CountingSource.pages(read)).as("pages read for %s", c[0]).isEqualTo(CountingSource.pages(needed));
                assertThat(read.size()).as("reads for %s", c[0]).isLessThanOrEqualTo((Integer) c[1]);
            }
        }
    }
}
