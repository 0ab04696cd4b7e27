package dev.safetensors.internal.load;

import dev.safetensors.device.Device;
import dev.safetensors.device.HostBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A fixed number of staging buffers from a device's host memory, made on first need and reused: acquiring
 * blocks while all are in use, which is what holds readers back when the device copies slowly. Its
 * high-water mark is the proof that a load never held more than its budget.
 */
public final class StagingPool implements AutoCloseable {
    private final Device device;
    private final long bufferBytes;
    private final int capacity;
    private final ArrayDeque<HostBuffer> free = new ArrayDeque<>();
    private final List<HostBuffer> all = new ArrayList<>();
    private int inUse;
    private long highWater;
    private boolean closed;

    public StagingPool(Device device, long bufferBytes, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a pool needs at least one buffer");
        }
        this.device = device;
        this.bufferBytes = bufferBytes;
        this.capacity = capacity;
    }

    /**
     * A buffer, waiting while all are in use; null when {@code stop} turns true (checked every 10 ms).
     */
    public HostBuffer acquire(BooleanSupplier stop) throws InterruptedException {
        synchronized (this) {
            while (true) {
                if (closed || stop.getAsBoolean()) {
                    return null;
                }
                if (!free.isEmpty()) {
                    return take(free.pop());
                }
                if (all.size() < capacity) {
                    break;   // make a new one, outside the lock: pinned allocations are slow
                }
                wait(10);
            }
            all.add(null);   // reserve the slot
        }
        HostBuffer made;
        try {
            made = device.allocateHost(bufferBytes);
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                all.remove(all.size() - 1);
                notifyAll();
            }
            throw e;
        }
        synchronized (this) {
            all.set(all.indexOf(null), made);
            if (closed) {
                made.close();
                return null;
            }
            return take(made);
        }
    }

    private HostBuffer take(HostBuffer b) {
        inUse++;
        highWater = Math.max(highWater, inUse * bufferBytes);
        return b;
    }

    public synchronized void release(HostBuffer b) {
        inUse--;
        if (closed) {
            b.close();
        } else {
            free.push(b);
        }
        notifyAll();
    }

    /** The most staging bytes held at once. */
    public synchronized long highWater() {
        return highWater;
    }

    /** Staging bytes allocated. */
    public synchronized long allocated() {
        return all.stream().filter(b -> b != null).count() * bufferBytes;
    }

    /** Frees the buffers not in use now, and the others as they come back. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (!free.isEmpty()) {
            free.pop().close();
        }
        notifyAll();
    }
}
