package dev.safetensors.quant.internal.layout;

import dev.safetensors.Shape;
import dev.safetensors.quant.LayerPlan;
import dev.safetensors.quant.QuantScheme;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One producer's storage layout for quantized layers: the tensors that form a layer (the first role is its
 * anchor, the tensor whose name marks a quantized layer) and how to check and decode them. An instance
 * carries the parameters its config gave; any it leaves null are read from the shapes.
 */
public interface LayerFormat {
    QuantScheme scheme();

    /** The layout's name in plans and messages, e.g. {@code gptq v1}. */
    String format();

    /** The tensors of a layer, anchor first. */
    List<Role> roles();

    /** What detection from names alone can say: the config's parameters, no shape. */
    LayerPlan plan(String layer, Map<String, String> tensors);

    /** Checks the tensors against each other and the parameters, and builds the kernel. */
    BuiltLayer build(LayerTensors tensors);

    /** A plan from this format's values; the builders' common last step. */
    default LayerPlan plan(String layer, Map<String, String> tensors, int bits, int groupSize, long blockRows,
            boolean symmetric, boolean actOrder, Shape shape) {
        return new LayerPlan(layer, scheme(), format(), bits, groupSize, blockRows, symmetric, actOrder, tensors,
                Optional.ofNullable(shape));
    }
}
