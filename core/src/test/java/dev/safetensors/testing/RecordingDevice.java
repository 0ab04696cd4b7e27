package dev.safetensors.testing;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Shape;
import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceId;
import dev.safetensors.device.DeviceTensor;
import dev.safetensors.device.HostBuffer;
import dev.safetensors.device.PendingCopy;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A device for the tests: memory of its own the loader cannot address (no host view), copies done later
 * on a thread of its own (after a delay, to be slow on purpose), a copy that fails on request, and counts
 * of everything live, so the tests can prove buffers and tensors are released.
 */
public final class RecordingDevice implements Device {
    private final ExecutorService copier = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "recording-device-copier");
        t.setDaemon(true);
        return t;
    });
    private final long delayMillis;
    private final int failCopy;   // 1-based; 0 = none
    private final AtomicInteger copies = new AtomicInteger();
    public final AtomicInteger liveTensors = new AtomicInteger();
    public final AtomicLong liveHostBytes = new AtomicLong();
    public final AtomicLong maxHostBytes = new AtomicLong();
    public final AtomicInteger copiesInFlight = new AtomicInteger();
    public final AtomicInteger maxCopiesInFlight = new AtomicInteger();

    public RecordingDevice(long delayMillis, int failCopy) {
        this.delayMillis = delayMillis;
        this.failCopy = failCopy;
    }

    @Override
    public String name() {
        return "test:0";
    }

    @Override
    public DeviceId id() {
        return new DeviceId("test", 0);
    }

    public final class Memory implements DeviceTensor {
        final String name;
        final DType dtype;
        final Shape shape;
        final Arena arena = Arena.ofShared();
        final MemorySegment bytes;
        boolean closed;

        Memory(String name, DType dtype, Shape shape, long size) {
            this.name = name;
            this.dtype = dtype;
            this.shape = shape;
            this.bytes = arena.allocate(Math.max(size, 1)).asSlice(0, size);
            liveTensors.incrementAndGet();
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
            return bytes.byteSize();
        }

        @Override
        public Device device() {
            return RecordingDevice.this;
        }

        @Override
        public long address() {
            return bytes.address();
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                arena.close();
                liveTensors.decrementAndGet();
            }
        }

        public byte[] toArray() {
            return bytes.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    @Override
    public DeviceTensor allocate(String name, DType dtype, Shape shape) {
        long size = shape.elementCount() * dtype.bits() / 8;
        return new Memory(name, dtype, shape, size);
    }

    @Override
    public HostBuffer allocateHost(long bytes) {
        Arena arena = Arena.ofShared();
        MemorySegment s = arena.allocate(bytes, 4096);
        maxHostBytes.accumulateAndGet(liveHostBytes.addAndGet(bytes), Math::max);
        return new HostBuffer() {
            private boolean closed;

            @Override
            public MemorySegment segment() {
                return s;
            }

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    arena.close();
                    liveHostBytes.addAndGet(-bytes);
                }
            }
        };
    }

    @Override
    public PendingCopy copyIn(MemorySegment src, DeviceTensor dst, long dstOffset) {
        int n = copies.incrementAndGet();
        if (n == failCopy) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, name(), "copy " + n + " failed on purpose");
        }
        Memory m = (Memory) dst;
        maxCopiesInFlight.accumulateAndGet(copiesInFlight.incrementAndGet(), Math::max);
        CompletableFuture<Void> f = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            MemorySegment.copy(src, 0, m.bytes, dstOffset, src.byteSize());
            copiesInFlight.decrementAndGet();
        }, copier);
        return new PendingCopy() {
            @Override
            public boolean isDone() {
                return f.isDone();
            }

            @Override
            public void await() {
                f.join();
            }
        };
    }

    @Override
    public PendingCopy copyOut(DeviceTensor src, long srcOffset, MemorySegment dst) {
        CompletableFuture<Void> f = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            MemorySegment.copy(((Memory) src).bytes, srcOffset, dst, 0, dst.byteSize());
        }, copier);
        return new PendingCopy() {
            @Override
            public boolean isDone() {
                return f.isDone();
            }

            @Override
            public void await() {
                f.join();
            }
        };
    }

    @Override
    public void close() {
        copier.shutdownNow();
    }
}
