package dev.safetensors.cuda.internal;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceTensor;

/** A tensor in GPU memory; closing frees it (once). */
final class GpuTensor implements DeviceTensor {
    private final String name;
    private final DType dtype;
    private final Shape shape;
    private final long bytes;
    private final long pointer;
    private final GpuDevice device;
    private boolean freed;

    GpuTensor(String name, DType dtype, Shape shape, long bytes, long pointer, GpuDevice device) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape;
        this.bytes = bytes;
        this.pointer = pointer;
        this.device = device;
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
        return bytes;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public long address() {
        return pointer;
    }

    @Override
    public synchronized void close() {
        if (!freed) {
            freed = true;
            device.free(pointer);
        }
    }

    @Override
    public String toString() {
        return "GpuTensor[" + name + ": " + dtype + shape + " on " + device.name() + "]";
    }
}
