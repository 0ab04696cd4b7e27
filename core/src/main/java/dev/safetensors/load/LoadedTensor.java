package dev.safetensors.load;

import dev.safetensors.device.DeviceTensor;
import dev.safetensors.parallel.Placement;

/**
 * One tensor (or a rank's piece of one) a streaming load has finished: the caller owns {@link #tensor()}
 * and closes it.
 *
 * @param name      the tensor's name in the checkpoint
 * @param placement how the plan placed it ({@link Placement#REPLICATE} for whole tensors)
 * @param dimension the split dimension, or -1
 * @param start     the first index of this piece along {@code dimension} (0 when not split)
 * @param tensor    the bytes on the device
 */
public record LoadedTensor(String name, Placement placement, int dimension, long start, DeviceTensor tensor)
        implements AutoCloseable {

    /** Frees the device memory. */
    @Override
    public void close() {
        tensor.close();
    }
}
