package dev.safetensors.load;

import dev.safetensors.testing.RecordingDevice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.OpenOptions;
import dev.safetensors.ReadStrategy;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.device.Device;
import dev.safetensors.parallel.ParallelPlan;
import dev.safetensors.parallel.Placement;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The streaming loader on the CPU target and on a device of the tests' own: the same bytes for every dtype,
 * whole, sliced and rank-planned; each tensor once; the staging budget held; back-pressure; failures and
 * close release everything. Expected bytes are the ones the test wrote, never the loader's reads.
 */
class StreamingLoadTest {
    @TempDir
    Path dir;

    /** Random bytes per tensor, one tensor per dtype (sizes chosen so sub-byte dtypes fill whole bytes). */
    private Map<String, byte[]> writeEveryDtype(Path file) {
        Random random = new Random(7);
        Map<String, byte[]> expected = new LinkedHashMap<>();
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (DType t : DType.values()) {
            long[] dims = {3, 40, 8};
            long bytes = 3L * 40 * 8 * t.bits() / 8;
            byte[] b = new byte[(int) bytes];
            random.nextBytes(b);
            expected.put("t_" + t, b);
            w.add("t_" + t, t, Shape.of(dims), TensorData.of(b));
        }
        expected.put("scalar", new byte[] {1, 2, 3, 4});
        w.add("scalar", DType.F32, Shape.of(), TensorData.of(new byte[] {1, 2, 3, 4}));
        expected.put("empty", new byte[0]);
        w.add("empty", DType.F32, Shape.of(0, 5), TensorData.of(new byte[0]));
        w.write(file);
        return expected;
    }

    private static LoadBudget small() {
        // Tiny chunks so every tensor spans several, and a budget of three of them.
        return new LoadBudget(3 * 256, 256, 3, 4, false);
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void cpuTargetGetsEveryDtypesBytes(ReadStrategy strategy) {
        Path file = dir.resolve("all.safetensors");
        Map<String, byte[]> expected = writeEveryDtype(file);
        try (Arena arena = Arena.ofShared();
             SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy));
             Device cpu = Device.cpu(arena);
             TensorStream s = f.stream(cpu, LoadPlan.all(), small())) {
            Map<String, byte[]> got = new HashMap<>();
            for (LoadedTensor t : s) {
                MemorySegment bytes = cpu.hostView(t.tensor()).orElseThrow();
                assertThat(got.put(t.name(), bytes.toArray(ValueLayout.JAVA_BYTE))).isNull();
                assertThat(t.tensor().shape()).isEqualTo(f.tensor(t.name()).shape());
            }
            assertThat(got.keySet()).isEqualTo(expected.keySet());
            expected.forEach((name, b) -> assertThat(got.get(name)).as(name).isEqualTo(b));
            assertThat(s.size()).isEqualTo(expected.size());
        }
    }

    @Test
    void deviceWithoutHostViewGetsTheSameBytesThroughStaging() {
        Path file = dir.resolve("all.safetensors");
        Map<String, byte[]> expected = writeEveryDtype(file);
        RecordingDevice dev = new RecordingDevice(0, 0);
        try (SafeTensorsFile f = SafeTensorsFile.open(file); TensorStream s = f.stream(dev, LoadPlan.all(), small())) {
            for (LoadedTensor t : s) {
                assertThat(((RecordingDevice.Memory) t.tensor()).toArray()).as(t.name()).isEqualTo(expected.get(t.name()));
                t.close();
            }
            assertThat(s.stats().stagingHighWater()).isLessThanOrEqualTo(small().bytes());
            assertThat(s.stats().bytes()).isEqualTo(expected.values().stream().mapToLong(b -> b.length).sum());
        }
        assertThat(dev.liveTensors.get()).isZero();
        assertThat(dev.liveHostBytes.get()).isZero();
        assertThat(dev.maxHostBytes.get()).isLessThanOrEqualTo(small().bytes());
    }

    @Test
    void oneReaderYieldsInFileOrder() {
        Path file = dir.resolve("all.safetensors");
        writeEveryDtype(file);
        try (Arena arena = Arena.ofShared(); SafeTensorsFile f = SafeTensorsFile.open(file);
             TensorStream s = f.stream(Device.cpu(arena), LoadPlan.all(), small().withThreads(1))) {
            List<String> order = new ArrayList<>();
            s.forEachRemaining(t -> order.add(t.name()));
            assertThat(order).isEqualTo(f.header().namesInDataOrder());
        }
    }

    /** A [rows, cols] F32 matrix whose value at (r, c) is r * 1000 + c. */
    private static float[] matrix(int rows, int cols) {
        float[] m = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                m[r * cols + c] = r * 1000 + c;
            }
        }
        return m;
    }

    @Test
    void rankPlannedLoadsReadOnlyTheRanksBytesAndReassemble() {
        int rows = 10;
        int cols = 14;
        Path file = dir.resolve("tp.safetensors");
        SafeTensorsWriter.create()
                .add("layers.0.q_proj.weight", DType.F32, Shape.of(rows, cols), TensorData.of(matrix(rows, cols)))
                .add("layers.0.o_proj.weight", DType.F32, Shape.of(rows, cols), TensorData.of(matrix(rows, cols)))
                .add("norm.weight", DType.F32, Shape.of(cols), TensorData.of(matrix(1, cols)))
                .write(file);
        ParallelPlan plan = ParallelPlan.builder(4)
                .place(".*q_proj.*", Placement.SPLIT_DIM0)
                .place(".*o_proj.*", Placement.SPLIT_DIM1)
                .build();
        float[][] q = new float[rows][cols];
        float[][] o = new float[rows][cols];
        long totalBytes = 0;
        for (int rank = 0; rank < 4; rank++) {
            RecordingDevice dev = new RecordingDevice(0, 0);
            try (Checkpoint ckpt = Checkpoint.open(file);
                 TensorStream s = ckpt.stream(dev, LoadPlan.rank(plan, rank, 0), new LoadBudget(64, 32, 2, 2, false))) {
                for (LoadedTensor t : s) {
                    float[] v = MemorySegment.ofArray(((RecordingDevice.Memory) t.tensor()).toArray())
                            .toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
                    long[] d = t.tensor().shape().dims();
                    switch (t.name()) {
                        case "layers.0.q_proj.weight" -> {
                            for (int r = 0; r < d[0]; r++) {
                                System.arraycopy(v, (int) (r * d[1]), q[(int) t.start() + r], 0, cols);
                            }
                        }
                        case "layers.0.o_proj.weight" -> {
                            for (int r = 0; r < rows; r++) {
                                System.arraycopy(v, (int) (r * d[1]), o[r], (int) t.start(), (int) d[1]);
                            }
                        }
                        case "norm.weight" -> assertThat(v).isEqualTo(matrix(1, cols));
                        default -> throw new AssertionError(t.name());
                    }
                    t.close();
                }
                totalBytes += s.stats().bytes() - cols * 4L;   // norm is replicated on every rank
            }
        }
        float[] expected = matrix(rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                assertThat(q[r][c]).isEqualTo(expected[r * cols + c]);
                assertThat(o[r][c]).isEqualTo(expected[r * cols + c]);
            }
        }
        assertThat(totalBytes).as("each split byte read by exactly one rank").isEqualTo(2L * rows * cols * 4);
    }

    @Test
    void aSlowDeviceHoldsReadersBackWithinTheBudget() {
        Path file = dir.resolve("all.safetensors");
        writeEveryDtype(file);
        RecordingDevice slow = new RecordingDevice(2, 0);
        LoadBudget budget = new LoadBudget(2 * 256, 256, 4, 8, false);
        try (SafeTensorsFile f = SafeTensorsFile.open(file); TensorStream s = f.stream(slow, LoadPlan.all(), budget)) {
            s.forEachRemaining(LoadedTensor::close);
            assertThat(s.stats().stagingHighWater()).isLessThanOrEqualTo(budget.bytes());
        }
        assertThat(slow.maxHostBytes.get()).isLessThanOrEqualTo(budget.bytes());
        assertThat(slow.maxCopiesInFlight.get()).isLessThanOrEqualTo(budget.buffers());
        assertThat(slow.liveHostBytes.get()).isZero();
        assertThat(slow.liveTensors.get()).isZero();
    }

    @Test
    void aFailingCopyReleasesEveryBufferAndClosesWhatWasNotHandedOut() {
        Path file = dir.resolve("all.safetensors");
        writeEveryDtype(file);
        RecordingDevice failing = new RecordingDevice(1, 40);
        List<LoadedTensor> taken = new ArrayList<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(file); TensorStream s = f.stream(failing, LoadPlan.all(), small())) {
            assertThatThrownBy(() -> s.forEachRemaining(taken::add))
                    .isInstanceOf(SafeTensorsException.class)
                    .hasMessageContaining("copy 40 failed on purpose");
            assertThatThrownBy(s::hasNext).isInstanceOf(SafeTensorsException.class);
        }
        assertThat(failing.liveHostBytes.get()).isZero();
        assertThat(failing.liveTensors.get()).isEqualTo(taken.size());
        taken.forEach(LoadedTensor::close);
        assertThat(failing.liveTensors.get()).isZero();
    }

    @Test
    void closingMidwayStopsTheLoadAndFreesEverythingNotHandedOut() {
        Path file = dir.resolve("all.safetensors");
        writeEveryDtype(file);
        RecordingDevice slow = new RecordingDevice(3, 0);
        LoadedTensor first;
        try (SafeTensorsFile f = SafeTensorsFile.open(file); TensorStream s = f.stream(slow, LoadPlan.all(), small())) {
            first = s.next();
        }
        assertThat(slow.liveHostBytes.get()).isZero();
        assertThat(slow.liveTensors.get()).isEqualTo(1);
        first.close();
        assertThat(slow.liveTensors.get()).isZero();
    }

    @Test
    void directIoReadsTheSameBytesOrFallsBack() {
        Path file = dir.resolve("all.safetensors");
        Map<String, byte[]> expected = writeEveryDtype(file);
        RecordingDevice dev = new RecordingDevice(0, 0);
        LoadBudget budget = new LoadBudget(64 << 10, 8 << 10, 2, 4, true);
        try (SafeTensorsFile f = SafeTensorsFile.open(file); TensorStream s = f.stream(dev, LoadPlan.all(), budget)) {
            for (LoadedTensor t : s) {
                assertThat(((RecordingDevice.Memory) t.tensor()).toArray()).as(t.name()).isEqualTo(expected.get(t.name()));
                t.close();
            }
            assertThat(s.stats().stagingHighWater()).isLessThanOrEqualTo(budget.bytes());
        }
        assertThat(dev.liveHostBytes.get()).isZero();
    }

    @Test
    void budgetsOutOfRangeAreRefused() {
        assertThatThrownBy(() -> new LoadBudget(100, 200, 1, 1, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LoadBudget.defaults().withThreads(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(LoadBudget.ofBytes(1000).chunkBytes()).isEqualTo(1000);
    }
}
