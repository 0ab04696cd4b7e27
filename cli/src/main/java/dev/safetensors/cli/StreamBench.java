package dev.safetensors.cli;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.ReadStrategy;
import dev.safetensors.cuda.Gpus;
import dev.safetensors.cuda.HostMemory;
import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceTensor;
import dev.safetensors.device.HostBuffer;
import dev.safetensors.device.PendingCopy;
import dev.safetensors.load.LoadBudget;
import dev.safetensors.load.LoadPlan;
import dev.safetensors.load.LoadedTensor;
import dev.safetensors.load.TensorStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code bench --device}: streaming loads of a checkpoint onto a device, each next to the baseline that
 * bounds it, measured in the same run. CPU: into one pre-touched block of memory, against a memcpy of the
 * same bytes with as many threads (warm), and against {@code dd} after dropping the page cache (cold, root
 * only). GPU: with pinned and with pageable staging, against host-to-device copies of the same bytes from
 * pinned and from pageable memory.
 */
final class StreamBench {
    private final Path path;
    private final LoadBudget budget;
    private final LoadPlan plan;
    private final int runs;
    private final boolean cold;

    StreamBench(Path path, LoadBudget budget, LoadPlan plan, int runs, boolean cold) {
        this.path = path;
        this.budget = budget;
        this.plan = plan;
        this.runs = runs;
        this.cold = cold;
    }

    Map<String, Object> measure(String deviceName) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("path", path.toString());
        r.put("device", deviceName);
        r.put("budget_bytes", budget.bytes());
        r.put("chunk_bytes", budget.chunkBytes());
        r.put("threads", budget.threads());
        r.put("queue_depth", budget.queueDepth());
        long bytes = loadedBytes();
        r.put("load_bytes", bytes);
        if (deviceName.equals("cpu")) {
            cpu(r, bytes);
        } else {
            gpu(r, deviceName, bytes);
        }
        return r;
    }

    /** The bytes the plan reads (all of them, or a rank's share). */
    private long loadedBytes() {
        try (Checkpoint c = Checkpoint.open(path)) {
            return plan.pieces(c).stream().mapToLong(p -> p.slice().byteSize()).sum();
        }
    }

    private void cpu(Map<String, Object> r, long bytes) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            // One block for every tensor, touched once (allocation zeroes it), reused by every run.
            int tensors;
            try (Checkpoint c = Checkpoint.open(path)) {
                tensors = plan.pieces(c).size();
            }
            MemorySegment region = arena.allocate(bytes + 64L * (tensors + 1), 4096);
            r.put("memcpy_gbps", parallelMemcpy(bytes));
            r.put("stream_warm_mmap_gbps", stream(ReadStrategy.MMAP, () -> Device.cpu(region), budget, bytes, false));
            r.put("stream_warm_pread_gbps", stream(ReadStrategy.PREAD, () -> Device.cpu(region), budget, bytes, false));
            r.put("warm_ratio_to_memcpy", ratio(Math.max((double) r.get("stream_warm_mmap_gbps"),
                    (double) r.get("stream_warm_pread_gbps")), (double) r.get("memcpy_gbps")));
            if (cold) {
                r.put("cold_dd_gbps", Measure.gbps(Files.size(path), Measure.medianSeconds(0, runs, StreamBench::dropCaches,
                        () -> dd(path))));
                r.put("stream_cold_gbps", stream(ReadStrategy.PREAD, () -> Device.cpu(region), budget, bytes, true));
                r.put("stream_cold_direct_gbps", stream(ReadStrategy.PREAD, () -> Device.cpu(region),
                        budget.withDirectIo(true), bytes, true));
                r.put("cold_ratio_to_dd", ratio(Math.max((double) r.get("stream_cold_gbps"),
                        (double) r.get("stream_cold_direct_gbps")), (double) r.get("cold_dd_gbps")));
            }
        }
    }

    private void gpu(Map<String, Object> r, String name, long bytes) throws Exception {
        verify(r, name);
        try (Device pinned = Gpus.open(name, HostMemory.PINNED); Device pageable = Gpus.open(name, HostMemory.PAGEABLE)) {
            r.put("h2d_pinned_gbps", hostToDevice(pinned, bytes));
            r.put("h2d_pageable_gbps", hostToDevice(pageable, bytes));
            r.put("stream_pinned_gbps", stream(ReadStrategy.MMAP, () -> pinned, budget, bytes, false));
            r.put("stream_pageable_gbps", stream(ReadStrategy.MMAP, () -> pageable, budget, bytes, false));
            r.put("stream_direct_gbps", stream(ReadStrategy.PREAD, () -> pinned, budget.withDirectIo(true), bytes, false));
            r.put("ratio_to_pinned_h2d", ratio((double) r.get("stream_pinned_gbps"), (double) r.get("h2d_pinned_gbps")));
        }
    }

    /**
     * One load checked byte for byte: every piece copied back from the device and compared with the
     * file's bytes; the device's free memory compared before and after.
     */
    private void verify(Map<String, Object> r, String name) throws Exception {
        try (Device d = Gpus.open(name, HostMemory.PINNED); Checkpoint c = Checkpoint.open(path);
             Arena arena = Arena.ofShared()) {
            long before = Gpus.info(d).freeBytes();
            Map<String, dev.safetensors.parallel.RankPiece> pieces = new LinkedHashMap<>();
            plan.pieces(c).forEach(p -> pieces.put(p.name(), p));
            int checked = 0;
            try (TensorStream s = c.stream(d, plan, budget)) {
                for (LoadedTensor t : s) {
                    long n = t.tensor().byteSize();
                    MemorySegment back = arena.allocate(Math.max(1, n)).asSlice(0, n);
                    MemorySegment file = arena.allocate(Math.max(1, n)).asSlice(0, n);
                    d.copyOut(t.tensor(), 0, back).await();
                    pieces.get(t.name()).slice().copyTo(file);
                    if (back.mismatch(file) != -1) {
                        throw new IllegalStateException("tensor `" + t.name() + "` differs on " + name + " at byte "
                                + back.mismatch(file));
                    }
                    t.close();
                    checked++;
                }
            }
            r.put("verified_tensors", checked);
            r.put("device_bytes_leaked", before - Gpus.info(d).freeBytes());
        }
    }

    private interface DeviceFactory {
        Device make();
    }

    /** One whole load per run: open, stream every piece, free the device memory (untimed), close. */
    private double stream(ReadStrategy strategy, DeviceFactory device, LoadBudget b, long bytes, boolean dropCaches)
            throws Exception {
        List<LoadedTensor> loaded = new ArrayList<>();
        Measure.Run body = () -> {
            try (Checkpoint c = Checkpoint.open(path, OpenOptions.defaults().withStrategy(strategy));
                 TensorStream s = c.stream(device.make(), plan, b)) {
                s.forEachRemaining(loaded::add);
            }
        };
        Measure.Run setup = () -> {
            loaded.forEach(LoadedTensor::close);
            loaded.clear();
            if (dropCaches) {
                dropCaches();
            }
        };
        double s = Measure.medianSeconds(dropCaches ? 0 : 1, runs, setup, body);
        setup.run();
        return Measure.gbps(bytes, s);
    }

    /** memcpy of {@code bytes} with the load's thread count, each thread its own share, between pre-touched blocks. */
    private double parallelMemcpy(long bytes) throws Exception {
        int threads = budget.threads();
        long share = (bytes + threads - 1) / threads;
        long block = Math.max(1, Math.min(share, 256L << 20));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Arena arena = Arena.ofShared()) {
            List<MemorySegment[]> pairs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                pairs.add(new MemorySegment[] {arena.allocate(block, 4096).fill((byte) 1), arena.allocate(block, 4096)});
            }
            double s = Measure.medianSeconds(2, runs, () -> {
                List<Future<?>> f = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    MemorySegment[] p = pairs.get(t);
                    long mine = Math.max(0, Math.min(share, bytes - t * share));
                    f.add(pool.submit(() -> {
                        for (long done = 0; done < mine; done += block) {
                            MemorySegment.copy(p[0], 0, p[1], 0, Math.min(block, mine - done));
                        }
                    }));
                }
                for (Future<?> x : f) {
                    x.get();
                }
            });
            return Measure.gbps(bytes, s);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Host-to-device copies of {@code bytes} in chunks from staging memory of the device's kind, queue-deep. */
    private double hostToDevice(Device d, long bytes) throws Exception {
        long chunk = budget.chunkBytes();
        long size = Math.min(bytes, 1L << 30);
        try (DeviceTensor t = d.allocate("h2d", dev.safetensors.DType.U8, dev.safetensors.Shape.of(size));
             HostBuffer src = d.allocateHost(chunk)) {
            double s = Measure.medianSeconds(1, runs, () -> {
                ArrayDeque<PendingCopy> inFlight = new ArrayDeque<>();
                for (long done = 0; done < bytes; done += chunk) {
                    long n = Math.min(chunk, bytes - done);
                    long at = done % size;
                    n = Math.min(n, size - at);
                    inFlight.add(d.copyIn(src.segment().asSlice(0, n), t, at));
                    if (inFlight.size() >= budget.queueDepth()) {
                        inFlight.poll().await();
                    }
                }
                inFlight.forEach(PendingCopy::await);
            });
            return Measure.gbps(bytes, s);
        }
    }

    private static double ratio(double a, double b) {
        return Math.round(a / b * 100) / 100.0;
    }

    private static void dd(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("dd", "if=" + path, "of=/dev/null", "bs=16M").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
    }

    static void dropCaches() throws IOException {
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
    }
}
