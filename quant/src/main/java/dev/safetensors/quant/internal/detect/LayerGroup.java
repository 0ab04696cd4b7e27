package dev.safetensors.quant.internal.detect;

import dev.safetensors.quant.internal.layout.LayerFormat;
import java.util.Map;

/**
 * The tensors of one quantized layer, found by name.
 *
 * @param layer   the layer prefix
 * @param format  the layout to read it with
 * @param tensors role to tensor name
 */
public record LayerGroup(String layer, LayerFormat format, Map<String, String> tensors) {
}
