package dev.safetensors.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.cuda.FakeGpu.Call;
import dev.safetensors.cuda.internal.GpuDevice;
import dev.safetensors.cuda.internal.GpuRuntime;
import dev.safetensors.cuda.internal.Vendor;
import dev.safetensors.load.LoadBudget;
import dev.safetensors.load.LoadPlan;
import dev.safetensors.load.LoadedTensor;
import dev.safetensors.load.TensorStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lifetimes of what the runtime hands out, counted by the fake: every event destroyed, every stream
 * destroyed, no copy left running on memory that was freed under it, whatever call fails.
 */
class GpuLifetimeTest {
    @TempDir
    Path dir;

    private Path checkpoint() {
        Path file = dir.resolve("m.safetensors");
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (int i = 0; i < 24; i++) {
            w.add("t" + i, DType.F32, Shape.of(512), TensorData.of(new float[512]));
        }
        w.write(file);
        return file;
    }

    private static void assertNothingLive(GpuDevice gpu, long freeBefore, long eventsBefore) {
        assertThat(gpu.memoryInfo()[0]).as("device memory").isEqualTo(freeBefore);
        assertThat(FakeGpu.liveHostBytes(Vendor.CUDA)).as("pinned host memory").isZero();
        assertThat(FakeGpu.counter(Vendor.CUDA, "live_events")).as("events").isEqualTo(eventsBefore);
        assertThat(FakeGpu.counter(Vendor.CUDA, "stale_copies")).as("copies that ran on freed memory").isZero();
    }

    @Test
    void aLoadAndASaveDestroyEveryEventAndCloseDestroysEveryStream() throws Exception {
        Path file = checkpoint();
        GpuRuntime rt = FakeGpu.runtime(Vendor.CUDA, 1, 64L << 20, 0, 0);
        long streams = FakeGpu.counter(Vendor.CUDA, "live_streams");
        long events = FakeGpu.counter(Vendor.CUDA, "live_events");
        try (GpuDevice gpu = GpuDevice.open(rt, 0, HostMemory.PINNED); SafeTensorsFile f = SafeTensorsFile.open(file)) {
            long freeBefore = gpu.memoryInfo()[0];
            List<LoadedTensor> loaded = new ArrayList<>();
            try (TensorStream s = f.stream(gpu, LoadPlan.all(), new LoadBudget(4 << 10, 1 << 10, 2, 4, false))) {
                s.forEachRemaining(loaded::add);
            }
            SafeTensorsWriter w = SafeTensorsWriter.create();
            loaded.forEach(t -> w.add(t.name(), t.tensor()));
            w.write(dir.resolve("saved.safetensors"));
            assertThat(Files.size(dir.resolve("saved.safetensors"))).isEqualTo(Files.size(file));
            loaded.forEach(LoadedTensor::close);
            assertNothingLive(gpu, freeBefore, events);
        }
        assertThat(FakeGpu.counter(Vendor.CUDA, "live_streams")).as("streams after close").isEqualTo(streams);
    }

    @Test
    void aCopyWhoseEventCannotBeMadeOrRecordedLeavesNoCopyRunningOnFreedMemory() {
        Path file = checkpoint();
        for (Call call : new Call[] {Call.EVENT_CREATE, Call.EVENT_RECORD}) {
            for (int n : new int[] {1, 5}) {
                GpuRuntime rt = FakeGpu.runtime(Vendor.CUDA, 1, 64L << 20, 200_000, 0);   // 200 ms a copy
                long events = FakeGpu.counter(Vendor.CUDA, "live_events");
                try (GpuDevice gpu = GpuDevice.open(rt, 0, HostMemory.PINNED); SafeTensorsFile f = SafeTensorsFile.open(file)) {
                    long freeBefore = gpu.memoryInfo()[0];
                    FakeGpu.failAt(Vendor.CUDA, call, n);
                    List<LoadedTensor> taken = new ArrayList<>();
                    try (TensorStream s = f.stream(gpu, LoadPlan.all(), new LoadBudget(4 << 10, 2 << 10, 1, 4, false))) {
                        assertThatThrownBy(() -> s.forEachRemaining(taken::add)).as(call + " " + n)
                                .isInstanceOf(SafeTensorsException.class).hasMessageContaining("cudaEvent");
                    }
                    taken.forEach(LoadedTensor::close);
                    assertThat(gpu.memoryInfo()[0]).as("device memory").isEqualTo(freeBefore);
                    assertThat(FakeGpu.liveHostBytes(Vendor.CUDA)).as("pinned host memory").isZero();
                }
                // Closing the device waited for every stream: a copy left running ran by now, on freed memory.
                assertThat(FakeGpu.counter(Vendor.CUDA, "stale_copies")).as(call + " " + n + ": copies on freed memory").isZero();
                assertThat(FakeGpu.counter(Vendor.CUDA, "live_events")).as(call + " " + n + ": events").isEqualTo(events);
            }
        }
    }

    @Test
    void closeDestroysEveryStreamEvenWhenSynchronisingOneFails() {
        GpuRuntime rt = FakeGpu.runtime(Vendor.CUDA, 1, 64L << 20, 0, 0);
        long streams = FakeGpu.counter(Vendor.CUDA, "live_streams");
        GpuDevice gpu = GpuDevice.open(rt, 0, HostMemory.PINNED);
        FakeGpu.failAt(Vendor.CUDA, Call.STREAM_SYNCHRONIZE, 1);
        assertThatThrownBy(gpu::close).isInstanceOf(SafeTensorsException.class).hasMessageContaining("StreamSynchronize");
        assertThat(FakeGpu.counter(Vendor.CUDA, "live_streams")).isEqualTo(streams);
        gpu.close();   // idempotent, and nothing left to destroy twice
    }
}
