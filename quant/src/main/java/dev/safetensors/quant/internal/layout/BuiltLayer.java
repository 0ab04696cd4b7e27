package dev.safetensors.quant.internal.layout;

import dev.safetensors.Shape;
import dev.safetensors.quant.LayerPlan;
import dev.safetensors.quant.internal.kernel.Kernel;

/**
 * A layer whose tensors passed every check: its plan (with the logical shape), the kernel that decodes it,
 * and how the unquantized model names and shapes the weight.
 *
 * @param plan        what was detected, with the parameters read from the shapes
 * @param kernel      decodes the logical {@code [rows, columns]} matrix
 * @param denseName   the unquantized model's tensor name, e.g. {@code q_proj.weight}
 * @param denseShape  its shape
 * @param transposed  whether the dense tensor stores each expert's matrix transposed ({@code [E, in, out]},
 *                    as transformers names GPT-OSS experts after its own dequantization)
 */
public record BuiltLayer(LayerPlan plan, Kernel kernel, String denseName, Shape denseShape, boolean transposed) {
}
