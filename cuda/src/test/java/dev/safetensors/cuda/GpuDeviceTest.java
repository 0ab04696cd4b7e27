package dev.safetensors.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.cuda.internal.GpuDevice;
import dev.safetensors.cuda.internal.GpuRuntime;
import dev.safetensors.cuda.internal.Vendor;
import dev.safetensors.device.DeviceTensor;
import dev.safetensors.load.LoadBudget;
import dev.safetensors.load.LoadPlan;
import dev.safetensors.load.LoadedTensor;
import dev.safetensors.load.TensorStream;
import dev.safetensors.parallel.ParallelPlan;
import dev.safetensors.parallel.Placement;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CUDA and HIP bindings against the fake runtime (src/test/c/fakegpu.c): the same calls as on a GPU,
 * asynchronous copies, pointer checks on every copy. Bytes go host -> device -> host for every dtype,
 * whole, sliced and rank-planned; no device or pinned memory outlives the load.
 */
class GpuDeviceTest {
    @TempDir
    Path dir;

    private Map<String, byte[]> writeEveryDtype(Path file) {
        Random random = new Random(3);
        Map<String, byte[]> expected = new LinkedHashMap<>();
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (DType t : DType.values()) {
            byte[] b = new byte[(int) (4L * 64 * 8 * t.bits() / 8)];
            random.nextBytes(b);
            expected.put("t_" + t, b);
            w.add("t_" + t, t, Shape.of(4, 64, 8), TensorData.of(b));
        }
        w.write(file);
        return expected;
    }

    private static byte[] toHost(GpuDevice gpu, DeviceTensor t) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(Math.max(1, t.byteSize())).asSlice(0, t.byteSize());
            gpu.copyOut(t, 0, host).await();
            return host.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void everyDtypeRoundTripsHostToDeviceToHost(Vendor vendor) {
        Path file = dir.resolve("m.safetensors");
        Map<String, byte[]> expected = writeEveryDtype(file);
        GpuRuntime rt = FakeGpu.runtime(vendor, 1, 64L << 20, 50, 0);
        try (GpuDevice gpu = GpuDevice.open(rt, 0, HostMemory.PINNED); SafeTensorsFile f = SafeTensorsFile.open(file)) {
            long freeBefore = gpu.memoryInfo()[0];
            try (TensorStream s = f.stream(gpu, LoadPlan.all(), new LoadBudget(4 << 10, 1 << 10, 3, 4, false))) {
                for (LoadedTensor t : s) {
                    assertThat(t.tensor().device()).isSameAs(gpu);
                    assertThat(toHost(gpu, t.tensor())).as(t.name()).isEqualTo(expected.get(t.name()));
                    t.close();
                }
            }
            assertThat(gpu.memoryInfo()[0]).as("device memory after the load").isEqualTo(freeBefore);
            assertThat(FakeGpu.liveHostBytes(vendor)).as("pinned staging after the load").isZero();
        }
    }

    @Test
    void savingFromTheDeviceWritesTheFileItWasLoadedFrom() throws Exception {
        Path file = dir.resolve("m.safetensors");
        writeEveryDtype(file);
        Path saved = dir.resolve("saved.safetensors");
        GpuRuntime rt = FakeGpu.runtime(Vendor.CUDA, 1, 64L << 20, 10, 0);
        try (GpuDevice gpu = GpuDevice.open(rt, 0, HostMemory.PINNED); SafeTensorsFile f = SafeTensorsFile.open(file);
             TensorStream s = f.stream(gpu, LoadPlan.all(), LoadBudget.defaults())) {
            List<LoadedTensor> all = new ArrayList<>();
            s.forEachRemaining(all::add);
            SafeTensorsWriter w = SafeTensorsWriter.create();
            all.forEach(t -> w.add(t.name(), t.tensor()));
            w.write(saved);
            all.forEach(LoadedTensor::close);
        }
        assertThat(java.nio.file.Files.readAllBytes(saved)).isEqualTo(java.nio.file.Files.readAllBytes(file));
        assertThat(FakeGpu.liveHostBytes(Vendor.CUDA)).isZero();
    }

    @ParameterizedTest
    @EnumSource(HostMemory.class)
    void everyKindOfStagingMemoryCarriesTheBytes(HostMemory staging) {
        Path file = dir.resolve("m.safetensors");
        Map<String, byte[]> expected = writeEveryDtype(file);
        GpuRuntime rt = FakeGpu.runtime(Vendor.CUDA, 1, 64L << 20, 0, 0);
        try (GpuDevice gpu = GpuDevice.open(rt, 0, staging); SafeTensorsFile f = SafeTensorsFile.open(file);
             TensorStream s = f.stream(gpu, LoadPlan.all(), LoadBudget.ofBytes(8 << 10).withChunkBytes(2 << 10))) {
            for (LoadedTensor t : s) {
                assertThat(toHost(gpu, t.tensor())).as(t.name()).isEqualTo(expected.get(t.name()));
                t.close();
            }
        }
    }

    @Test
    void rankPlannedLoadsReassembleOnTheDevice() {
        int rows = 12;
        int cols = 20;
        float[] m = new float[rows * cols];
        for (int i = 0; i < m.length; i++) {
            m[i] = i;
        }
        Path file = dir.resolve("tp.safetensors");
        SafeTensorsWriter.create()
                .add("a.up_proj.weight", DType.F32, Shape.of(rows, cols), TensorData.of(m))
                .add("a.down_proj.weight", DType.F32, Shape.of(rows, cols), TensorData.of(m))
                .write(file);
        ParallelPlan plan = ParallelPlan.builder(3)
                .place(".*up_proj.*", Placement.SPLIT_DIM0)
                .place(".*down_proj.*", Placement.SPLIT_DIM1)
                .build();
        float[] up = new float[rows * cols];
        float[] down = new float[rows * cols];
        GpuRuntime rt = FakeGpu.runtime(Vendor.CUDA, 1, 64L << 20, 0, 0);
        for (int rank = 0; rank < 3; rank++) {
            try (GpuDevice gpu = GpuDevice.open(rt, 0, HostMemory.PINNED); SafeTensorsFile f = SafeTensorsFile.open(file);
                 TensorStream s = f.stream(gpu, LoadPlan.rank(plan, rank, 0), new LoadBudget(256, 128, 2, 2, false))) {
                for (LoadedTensor t : s) {
                    float[] v = MemorySegment.ofArray(toHost(gpu, t.tensor()))
                            .toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
                    long[] d = t.tensor().shape().dims();
                    for (int r = 0; r < d[0]; r++) {
                        for (int c = 0; c < d[1]; c++) {
                            if (t.name().startsWith("a.up")) {
                                up[(int) ((t.start() + r) * cols + c)] = v[(int) (r * d[1] + c)];
                            } else {
                                down[(int) (r * cols + t.start() + c)] = v[(int) (r * d[1] + c)];
                            }
                        }
                    }
                    t.close();
                }
            }
        }
        assertThat(up).isEqualTo(m);
        assertThat(down).isEqualTo(m);
    }

    @Test
    void aFailingCopyReportsTheRuntimesErrorAndLeaksNothing() {
        Path file = dir.resolve("m.safetensors");
        writeEveryDtype(file);
        GpuRuntime rt = FakeGpu.runtime(Vendor.CUDA, 1, 64L << 20, 20, 7);
        List<LoadedTensor> taken = new ArrayList<>();
        try (GpuDevice gpu = GpuDevice.open(rt, 0, HostMemory.PINNED); SafeTensorsFile f = SafeTensorsFile.open(file)) {
            long freeBefore = gpu.memoryInfo()[0];
            try (TensorStream s = f.stream(gpu, LoadPlan.all(), new LoadBudget(4 << 10, 1 << 10, 2, 4, false))) {
                assertThatThrownBy(() -> s.forEachRemaining(taken::add))
                        .isInstanceOf(SafeTensorsException.class)
                        .hasMessageContaining("cudaMemcpyAsync failed: cudaErrorInvalidValue: invalid argument");
            }
            taken.forEach(LoadedTensor::close);
            assertThat(gpu.memoryInfo()[0]).isEqualTo(freeBefore);
            assertThat(FakeGpu.liveHostBytes(Vendor.CUDA)).isZero();
        }
    }

    @Test
    void directIoReadsFilesStraightIntoDeviceMemoryThroughCuFile() {
        Path file = dir.resolve("m.safetensors");
        Map<String, byte[]> expected = writeEveryDtype(file);
        GpuRuntime rt = FakeGpu.runtime(Vendor.CUDA, 1, 64L << 20, 0, 0);
        System.setProperty("safetensors.cufile.library", FakeGpu.cuFileLibrary().toString());
        dev.safetensors.cuda.internal.CuFiles.reload();
        try (GpuDevice gpu = GpuDevice.open(rt, 0, HostMemory.PINNED); SafeTensorsFile f = SafeTensorsFile.open(file)) {
            long readsBefore = FakeGpu.cuFileReads();
            long freeBefore = gpu.memoryInfo()[0];
            try (TensorStream s = f.stream(gpu, LoadPlan.all(), new LoadBudget(64 << 10, 16 << 10, 2, 4, true))) {
                for (LoadedTensor t : s) {
                    assertThat(toHost(gpu, t.tensor())).as(t.name()).isEqualTo(expected.get(t.name()));
                    t.close();
                }
                assertThat(s.stats().directIo()).isTrue();
            }
            assertThat(FakeGpu.cuFileReads() - readsBefore).as("cuFileRead calls").isPositive();
            assertThat(gpu.memoryInfo()[0]).isEqualTo(freeBefore);
        } finally {
            System.clearProperty("safetensors.cufile.library");
            dev.safetensors.cuda.internal.CuFiles.reload();
        }
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void runtimeErrorsCarryTheRuntimesOwnNamesAndText(Vendor vendor) {
        GpuRuntime rt = FakeGpu.runtime(vendor, 2, 1L << 20, 0, 0);
        assertThat(rt.deviceCountOrError()).isEqualTo(2);
        assertThat(rt.deviceName(1)).isEqualTo("Fake GPU (safetensors-cuda tests)");
        assertThatThrownBy(() -> GpuDevice.open(rt, 2, HostMemory.PINNED))
                .isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("no such device: the runtime sees 2 device(s)");
        try (GpuDevice gpu = GpuDevice.open(rt, 1, HostMemory.PINNED)) {
            assertThat(gpu.name()).isEqualTo(vendor.kind() + ":1");
            assertThatThrownBy(() -> gpu.allocate("huge", DType.U8, Shape.of(2L << 20)))
                    .isInstanceOf(SafeTensorsException.class)
                    .hasMessageContaining(vendor == Vendor.HIP ? "hipErrorMemoryAllocation: out of memory"
                            : "cudaErrorMemoryAllocation: out of memory");
            assertThat(gpu.info().totalBytes()).isEqualTo(1L << 20);
        }
    }
}
