package dev.safetensors.cuda.internal;

import dev.safetensors.device.HostBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Host staging memory: page-locked by the runtime, registered with it, or ordinary. Freed once. */
final class PinnedBuffer implements HostBuffer {
    private final MemorySegment segment;
    private final Runnable free;
    private boolean freed;

    private PinnedBuffer(MemorySegment segment, Runnable free) {
        this.segment = segment;
        this.free = free;
    }

    /** {@code cudaHostAlloc}: page-locked memory from the runtime. */
    static PinnedBuffer allocate(GpuRuntime rt, long bytes) {
        long p = rt.hostAlloc(Math.max(bytes, 1));
        return new PinnedBuffer(GpuDevice.segment(p, bytes), () -> rt.hostFree(p));
    }

    /** Page-aligned memory of our own, then {@code cudaHostRegister}. */
    static PinnedBuffer register(GpuRuntime rt, long bytes) {
        Arena arena = Arena.ofShared();
        MemorySegment s = arena.allocate(Math.max(bytes, 1), 4096);
        try {
            rt.hostRegister(s.address(), s.byteSize());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        return new PinnedBuffer(s.asSlice(0, bytes), () -> {
            try {
                rt.hostUnregister(s.address());
            } finally {
                arena.close();
            }
        });
    }

    /** Ordinary memory, for measuring what pinning gains. */
    static PinnedBuffer pageable(long bytes) {
        Arena arena = Arena.ofShared();
        return new PinnedBuffer(arena.allocate(Math.max(bytes, 1), 4096).asSlice(0, bytes), arena::close);
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public synchronized void close() {
        if (!freed) {
            freed = true;
            free.run();
        }
    }
}
