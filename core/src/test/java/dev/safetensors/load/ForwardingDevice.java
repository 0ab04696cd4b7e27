package dev.safetensors.load;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceId;
import dev.safetensors.device.DeviceTensor;
import dev.safetensors.device.HostBuffer;
import dev.safetensors.device.PendingCopy;
import java.lang.foreign.MemorySegment;

/** A device passing every call to another: tests override the calls they make fail. */
class ForwardingDevice implements Device {
    private final Device inner;

    ForwardingDevice(Device inner) {
        this.inner = inner;
    }

    /** A tensor of the inner device that says it is on {@code device}, so writers go through the wrapper. */
    record Tensor(DeviceTensor inner, Device device) implements DeviceTensor {
        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public DType dtype() {
            return inner.dtype();
        }

        @Override
        public Shape shape() {
            return inner.shape();
        }

        @Override
        public long byteSize() {
            return inner.byteSize();
        }

        @Override
        public long address() {
            return inner.address();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private static DeviceTensor unwrap(DeviceTensor t) {
        return t instanceof Tensor w ? w.inner() : t;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public DeviceId id() {
        return inner.id();
    }

    @Override
    public DeviceTensor allocate(String name, DType dtype, Shape shape) {
        return inner.allocate(name, dtype, shape);
    }

    @Override
    public HostBuffer allocateHost(long bytes) {
        return inner.allocateHost(bytes);
    }

    @Override
    public PendingCopy copyIn(MemorySegment src, DeviceTensor dst, long dstOffset) {
        return inner.copyIn(src, unwrap(dst), dstOffset);
    }

    @Override
    public PendingCopy copyOut(DeviceTensor src, long srcOffset, MemorySegment dst) {
        return inner.copyOut(unwrap(src), srcOffset, dst);
    }

    @Override
    public void close() {
        inner.close();
    }
}
