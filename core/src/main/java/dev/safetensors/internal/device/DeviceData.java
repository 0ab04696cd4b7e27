package dev.safetensors.internal.device;

import dev.safetensors.ByteSink;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.TensorData;
import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceTensor;
import dev.safetensors.device.HostBuffer;
import dev.safetensors.device.PendingCopy;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * A device tensor's bytes for the writer: the loader's pipeline in reverse. Two staging buffers take turns:
 * while one chunk is written to the file, the device copies the next into the other. A tensor in host
 * memory (the CPU) is written straight from its segment.
 */
public final class DeviceData implements TensorData {
    /** Chunk per copy out of the device. */
    static final long CHUNK = 8L << 20;

    private final DeviceTensor tensor;
    private final long chunk;

    private DeviceData(DeviceTensor tensor, long chunk) {
        this.tensor = tensor;
        this.chunk = chunk;
    }

    public static TensorData of(DeviceTensor tensor) {
        return new DeviceData(tensor, CHUNK);
    }

    /** With a chosen chunk size (tests use small ones). */
    public static TensorData of(DeviceTensor tensor, long chunk) {
        return new DeviceData(tensor, chunk);
    }

    @Override
    public void writeTo(ByteSink sink) throws IOException {
        try {
            copyOut(sink);
        } catch (SafeTensorsException e) {
            throw e;
        } catch (RuntimeException e) {
            // A device's own exception (a plug-in's bug, a driver's refusal) still reaches the writer's
            // caller as the typed error every failed save is, and the writer discards its partial file.
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, tensor.device().name(),
                    "saving tensor `" + tensor.name() + "` from the device failed: " + e, e);
        }
    }

    private void copyOut(ByteSink sink) throws IOException {
        Device device = tensor.device();
        long size = tensor.byteSize();
        Optional<MemorySegment> view = device.hostView(tensor);
        if (view.isPresent()) {
            sink.write(view.get());
            return;
        }
        if (size == 0) {
            return;
        }
        long n = Math.min(chunk, size);
        try (HostBuffer a = device.allocateHost(n); HostBuffer b = device.allocateHost(n)) {
            HostBuffer[] buffers = {a, b};
            PendingCopy pending = device.copyOut(tensor, 0, a.segment().asSlice(0, n));
            int turn = 0;
            for (long at = 0; at < size; ) {
                long len = Math.min(chunk, size - at);
                pending.await();
                long next = at + len;
                PendingCopy following = null;
                if (next < size) {
                    long nextLen = Math.min(chunk, size - next);
                    following = device.copyOut(tensor, next, buffers[1 - turn].segment().asSlice(0, nextLen));
                }
                try {
                    sink.write(buffers[turn].segment().asSlice(0, len));
                } catch (IOException | RuntimeException e) {
                    if (following != null) {
                        following.await();   // the buffer must not be freed under a running copy
                    }
                    throw e;
                }
                pending = following;
                turn = 1 - turn;
                at = next;
            }
        }
    }
}
