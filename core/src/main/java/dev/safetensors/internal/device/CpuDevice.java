package dev.safetensors.internal.device;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Shape;
import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceId;
import dev.safetensors.device.DeviceTensor;
import dev.safetensors.device.HostBuffer;
import dev.safetensors.device.PendingCopy;
import dev.safetensors.internal.header.HeaderValidator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.Optional;

/**
 * The CPU as a {@link Device}: tensors are off-heap segments, copies are memory copies done at once, and
 * {@link #hostView} lets loaders read file bytes straight into a tensor.
 */
public final class CpuDevice implements Device {
    private static final DeviceId ID = new DeviceId("cpu", 0);
    /** Cache-line alignment: enough for vector loads, and what allocators give native code. */
    private static final long ALIGNMENT = 64;

    private final Arena callerArena;   // null: each tensor owns its memory (or lives in the region)
    private final MemorySegment region; // non-null: tensors are carved from it, in order
    private long used;
    private Boolean reachableFromOtherThreads;   // found out on first need

    private CpuDevice(Arena callerArena, MemorySegment region) {
        this.callerArena = callerArena;
        this.region = region;
    }

    /** Tensors in the caller's arena. */
    public static CpuDevice in(Arena arena) {
        return new CpuDevice(Objects.requireNonNull(arena, "arena must be non-null"), null);
    }

    /** Tensors carved one after another from the caller's region, each aligned to 64 bytes. */
    public static CpuDevice in(MemorySegment region) {
        Objects.requireNonNull(region, "region must be non-null");
        if (region.isReadOnly()) {
            throw new IllegalArgumentException("the region is read-only");
        }
        return new CpuDevice(null, region);
    }

    /** Each tensor in memory of its own, freed when it closes. */
    public static CpuDevice owning() {
        return new CpuDevice(null, null);
    }

    @Override
    public String name() {
        return ID.toString();
    }

    @Override
    public DeviceId id() {
        return ID;
    }

    @Override
    public DeviceTensor allocate(String name, DType dtype, Shape shape) {
        long bytes = HeaderValidator.byteCount(name, dtype, shape.dims(), null);
        if (region != null) {
            return new CpuTensor(name, dtype, shape, carve(name, bytes), null, this);
        }
        Arena arena = callerArena != null ? callerArena : Arena.ofShared();
        try {
            return new CpuTensor(name, dtype, shape, arena.allocate(Math.max(bytes, 1), ALIGNMENT).asSlice(0, bytes),
                    callerArena == null ? arena : null, this);
        } catch (OutOfMemoryError e) {
            if (callerArena == null) {
                arena.close();
            }
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, "cpu", "cannot allocate " + bytes
                    + " bytes for tensor `" + name + "`: out of memory", e);
        }
    }

    private synchronized MemorySegment carve(String name, long bytes) {
        long at = (used + ALIGNMENT - 1) & -ALIGNMENT;
        if (at > region.byteSize() || bytes > region.byteSize() - at) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, "cpu", "tensor `" + name + "` needs "
                    + bytes + " bytes, but the region has " + Math.max(0, region.byteSize() - at) + " of "
                    + region.byteSize() + " left");
        }
        used = at + bytes;
        return region.asSlice(at, bytes);
    }

    /**
     * Loaders allocate and fill tensors from threads of their own; memory of a confined arena (or region)
     * is reachable only from its owner's thread, so a load into it is refused before it starts.
     *
     * @throws IllegalArgumentException when this device's memory is confined to one thread
     */
    public synchronized void requireReachableFromOtherThreads() {
        if (callerArena == null && region == null) {
            return;
        }
        if (reachableFromOtherThreads == null) {
            MemorySegment probe = region != null ? region : callerArena.allocate(1);
            reachableFromOtherThreads = probe.isAccessibleBy(new Thread(() -> { }));
        }
        if (!reachableFromOtherThreads) {
            throw new IllegalArgumentException("the CPU device's " + (region != null ? "region" : "arena")
                    + " is confined to its owner's thread, but a streaming load writes tensors from reader threads: "
                    + "use Arena.ofShared(), Arena.ofAuto() or Arena.global()");
        }
    }

    @Override
    public HostBuffer allocateHost(long bytes) {
        Arena arena = Arena.ofShared();
        MemorySegment segment = arena.allocate(Math.max(bytes, 1), 4096).asSlice(0, bytes);
        return new HostBuffer() {
            @Override
            public MemorySegment segment() {
                return segment;
            }

            @Override
            public void close() {
                if (arena.scope().isAlive()) {
                    arena.close();
                }
            }
        };
    }

    @Override
    public PendingCopy copyIn(MemorySegment src, DeviceTensor dst, long dstOffset) {
        MemorySegment.copy(src, 0, segment(dst), dstOffset, src.byteSize());
        return PendingCopy.done();
    }

    @Override
    public PendingCopy copyOut(DeviceTensor src, long srcOffset, MemorySegment dst) {
        MemorySegment.copy(segment(src), srcOffset, dst, 0, dst.byteSize());
        return PendingCopy.done();
    }

    @Override
    public Optional<MemorySegment> hostView(DeviceTensor tensor) {
        return Optional.of(segment(tensor));
    }

    private MemorySegment segment(DeviceTensor t) {
        if (!(t instanceof CpuTensor c) || c.device() != this) {
            throw new IllegalArgumentException("tensor `" + t.name() + "` is on " + t.device().name()
                    + ", not on this CPU device");
        }
        return c.segment();
    }

    @Override
    public void close() {
        // Nothing is held: tensors own their memory, or the caller's arena does.
    }

    /** A tensor in host memory. */
    private static final class CpuTensor implements DeviceTensor {
        private final String name;
        private final DType dtype;
        private final Shape shape;
        private final MemorySegment segment;
        private final Arena own;      // null when the caller's arena holds the memory
        private final CpuDevice device;

        CpuTensor(String name, DType dtype, Shape shape, MemorySegment segment, Arena own, CpuDevice device) {
            this.name = name;
            this.dtype = dtype;
            this.shape = shape;
            this.segment = segment;
            this.own = own;
            this.device = device;
        }

        MemorySegment segment() {
            return segment;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public DType dtype() {
            return dtype;
        }

        @Override
        public Shape shape() {
            return shape;
        }

        @Override
        public long byteSize() {
            return segment.byteSize();
        }

        @Override
        public Device device() {
            return device;
        }

        @Override
        public long address() {
            return segment.address();
        }

        @Override
        public synchronized void close() {
            if (own != null && own.scope().isAlive()) {
                own.close();
            }
        }

        @Override
        public String toString() {
            return "CpuTensor[" + name + ": " + dtype + shape + "]";
        }
    }
}
