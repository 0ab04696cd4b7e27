package dev.safetensors.quant.internal.write;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;

/**
 * A tensor of a checkpoint being written, declared before its bytes are produced.
 *
 * @param name  tensor name
 * @param dtype its dtype
 * @param shape its shape
 * @param bytes its size in bytes, for progress and the index's total_size
 * @param data  its bytes, streamed when the writer reaches it
 */
record OutputTensor(String name, DType dtype, Shape shape, long bytes, TensorData data) {
    static OutputTensor of(QuantizedTensor t) {
        long bytes = t.shape().elementCount() * t.dtype().bits() / 8;
        return new OutputTensor(t.name(), t.dtype(), t.shape(), bytes, t.data());
    }
}
