package dev.safetensors.device;

import dev.safetensors.DType;
import dev.safetensors.Shape;

/**
 * A tensor in a device's memory: its dtype, shape and address. The owner closes it to free the memory;
 * closing twice does nothing.
 *
 * <pre>{@code
 * try (DeviceTensor t = gpu.allocate("w", DType.BF16, Shape.of(4096, 4096))) {
 *     gpu.copyIn(staging, t, 0).await();
 *     kernel(t.address());
 * }
 * }</pre>
 */
public interface DeviceTensor extends AutoCloseable {

    /** {@return the tensor's name (the checkpoint's, or the caller's)} */
    String name();

    /** {@return the element type} */
    DType dtype();

    /** {@return the dimensions} */
    Shape shape();

    /** {@return bytes of the tensor} */
    long byteSize();

    /** {@return the device holding it} */
    Device device();

    /** {@return the device address of the first byte (a CUDA or HIP device pointer; the host address on the CPU)} */
    long address();

    /** Frees the memory (unless an arena the caller owns holds it). Idempotent. */
    @Override
    void close();
}
