package dev.safetensors.quant.internal.write;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;

/**
 * One tensor a quantizer writes for a layer, produced when the writer streams it.
 *
 * @param name  the full tensor name, e.g. {@code q_proj.weight_packed}
 * @param dtype its dtype
 * @param shape its shape
 * @param data  its bytes
 */
record QuantizedTensor(String name, DType dtype, Shape shape, TensorData data) {
}
