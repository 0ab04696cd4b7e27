package dev.safetensors.cuda.internal;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Shape;
import dev.safetensors.cuda.GpuInfo;
import dev.safetensors.cuda.HostMemory;
import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceId;
import dev.safetensors.device.DeviceTensor;
import dev.safetensors.device.HostBuffer;
import dev.safetensors.device.PendingCopy;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One GPU as a {@link Device}: tensors in device memory ({@code cudaMalloc}), staging in page-locked host
 * memory, and copies spread over a few non-blocking streams, each finished copy marked by an event. Many
 * threads may issue copies at once; each call first makes this device current on its thread.
 */
public final class GpuDevice implements Device {
    /** Streams copies rotate over: enough to overlap copies issued by several reader threads. */
    private static final int STREAMS = 4;

    private final GpuRuntime runtime;
    private final DeviceId id;
    private final HostMemory staging;
    private final long[] streams = new long[STREAMS];
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean closed;

    private GpuDevice(GpuRuntime runtime, DeviceId id, HostMemory staging) {
        this.runtime = runtime;
        this.id = id;
        this.staging = staging;
    }

    /** Opens device {@code index}: makes it current and creates its streams. */
    public static GpuDevice open(GpuRuntime runtime, int index, HostMemory staging) {
        GpuDevice d = new GpuDevice(runtime, new DeviceId(runtime.vendor().kind(), index), staging);
        int count = runtime.deviceCountOrError();
        if (count < 0) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, d.name(), "the "
                    + runtime.vendor().prefix.toUpperCase(java.util.Locale.ROOT) + " runtime reports "
                    + runtime.errorText(-count) + " (" + runtime.library() + ")");
        }
        if (index >= count) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, d.name(), "no such device: the runtime sees "
                    + count + " device(s)");
        }
        runtime.setDevice(index);
        int made = 0;
        try {
            for (; made < STREAMS; made++) {
                d.streams[made] = runtime.streamCreate();
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < made; i++) {
                runtime.streamDestroy(d.streams[i]);
            }
            throw e;
        }
        return d;
    }

    @Override
    public String name() {
        return id.toString();
    }

    @Override
    public DeviceId id() {
        return id;
    }

    /** The device's name and memory as the runtime reports them. */
    public GpuInfo info() {
        current();
        long[] mem = runtime.memoryInfo();
        int v = runtime.runtimeVersion();
        return new GpuInfo(name(), runtime.deviceName(id.index()), mem[1], mem[0],
                runtime.library() + " " + v / 1000 + "." + (v % 1000) / 10);
    }

    /** {free, total} device memory now. */
    public long[] memoryInfo() {
        current();
        return runtime.memoryInfo();
    }

    @Override
    public DeviceTensor allocate(String name, DType dtype, Shape shape) {
        long bytes = bytes(name, dtype, shape);
        current();
        long pointer = runtime.malloc(Math.max(bytes, 1));
        return new GpuTensor(name, dtype, shape, bytes, pointer, this);
    }

    private static long bytes(String name, DType dtype, Shape shape) {
        long elements = shape.elementCount();
        if (Math.multiplyHigh(elements, dtype.bits()) != 0 || elements * dtype.bits() % 8 != 0) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, null, "tensor `" + name
                    + "` of " + dtype + shape + " is not a whole number of bytes");
        }
        return elements * dtype.bits() / 8;
    }

    void free(long pointer) {
        current();
        runtime.free(pointer);
    }

    @Override
    public HostBuffer allocateHost(long bytes) {
        current();
        return switch (staging) {
            case PINNED -> PinnedBuffer.allocate(runtime, bytes);
            case REGISTERED -> PinnedBuffer.register(runtime, bytes);
            case PAGEABLE -> PinnedBuffer.pageable(bytes);
        };
    }

    @Override
    public PendingCopy copyIn(MemorySegment src, DeviceTensor dst, long dstOffset) {
        GpuTensor t = mine(dst);
        java.util.Objects.checkFromIndexSize(dstOffset, src.byteSize(), t.byteSize());
        return copy(t.address() + dstOffset, address(src), src.byteSize(), GpuRuntime.HOST_TO_DEVICE);
    }

    @Override
    public PendingCopy copyOut(DeviceTensor src, long srcOffset, MemorySegment dst) {
        GpuTensor t = mine(src);
        java.util.Objects.checkFromIndexSize(srcOffset, dst.byteSize(), t.byteSize());
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("destination is read-only");
        }
        return copy(address(dst), t.address() + srcOffset, dst.byteSize(), GpuRuntime.DEVICE_TO_HOST);
    }

    /** Native memory's address; heap memory has none a GPU can copy from. */
    private static long address(MemorySegment s) {
        if (!s.isNative()) {
            throw new IllegalArgumentException("a GPU copies only from and to native memory; allocate it with "
                    + "allocateHost or an Arena");
        }
        return s.address();
    }

    private PendingCopy copy(long dst, long src, long bytes, int kind) {
        if (closed) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, name(), "the device is closed");
        }
        current();
        long stream = streams[Math.floorMod(next.getAndIncrement(), STREAMS)];
        // The event first: once the copy is queued, a failure must not return while it may still run, or
        // the caller frees (or reuses) memory under it.
        long event = runtime.eventCreate();
        boolean queued = false;
        try {
            if (bytes > 0) {
                runtime.memcpyAsync(dst, src, bytes, kind, stream);
                queued = true;
            }
            runtime.eventRecord(event, stream);
        } catch (RuntimeException e) {
            if (queued) {
                quietly(() -> runtime.streamSynchronize(stream), e);
            }
            quietly(() -> runtime.eventDestroy(event), e);
            throw e;
        }
        return new GpuCopy(this, event);
    }

    /** Runs a clean-up step of a failure, keeping the failure as the one reported. */
    private static void quietly(Runnable step, RuntimeException failure) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** GPUDirect Storage, when NVIDIA's cuFile library and its driver are present (CUDA only). */
    @Override
    public java.util.Optional<dev.safetensors.device.DirectFileReads> directFileReads() {
        if (runtime.vendor() != Vendor.CUDA) {
            return java.util.Optional.empty();
        }
        return CuFiles.get().map(c -> c.readsFor(this));
    }

    GpuRuntime runtime() {
        return runtime;
    }

    /** Makes this device current on the calling thread: the runtime's state is per thread. */
    void current() {
        runtime.setDevice(id.index());
    }

    private GpuTensor mine(DeviceTensor t) {
        if (!(t instanceof GpuTensor g) || g.device() != this) {
            throw new IllegalArgumentException("tensor `" + t.name() + "` is on " + t.device().name() + ", not on " + name());
        }
        return g;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Every stream is destroyed even when one fails to synchronise (cudaStreamDestroy waits for its
        // work itself); the first failure is reported after all.
        RuntimeException first = null;
        try {
            current();
        } catch (RuntimeException e) {
            first = e;
        }
        for (long s : streams) {
            for (Runnable step : new Runnable[] {() -> runtime.streamSynchronize(s), () -> runtime.streamDestroy(s)}) {
                try {
                    step.run();
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "GpuDevice[" + name() + ", staging " + staging + "]";
    }

    /** A host segment for {@code pointer}, with no cleanup of its own. */
    static MemorySegment segment(long pointer, long bytes) {
        return MemorySegment.ofAddress(pointer).reinterpret(bytes);
    }
}
