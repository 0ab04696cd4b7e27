package dev.safetensors.quant;

import dev.safetensors.Shape;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One quantized layer as detected: which scheme and layout, its parameters, and the tensors that form it.
 * Detection from names alone (an index whose shards are absent) fills everything but {@link #shape}.
 *
 * @param name       the layer's prefix, e.g. {@code model.layers.0.self_attn.q_proj}
 * @param scheme     the numeric scheme
 * @param format     the producer's layout, e.g. {@code gptq v1}, {@code compressed-tensors pack-quantized}
 * @param bits       bits per code
 * @param groupSize  input columns sharing one scale; -1 when a whole row does (per channel or per tensor)
 * @param blockRows  output rows sharing one scale: 1, 128 for DeepSeek-style blocks, all rows per tensor
 * @param symmetric  whether codes are symmetric about zero (no zero points)
 * @param actOrder   whether groups follow a column order given per column (GPTQ {@code g_idx}, desc_act)
 * @param tensors    role (the name's suffix after the layer prefix, e.g. {@code qweight}) to tensor name
 * @param shape      the logical weight shape {@code [out, in]} ({@code [experts, out, in]} for stacked
 *                   experts), when the tensors' shapes are known
 */
public record LayerPlan(String name, QuantScheme scheme, String format, int bits, int groupSize, long blockRows,
        boolean symmetric, boolean actOrder, Map<String, String> tensors, Optional<Shape> shape) {

    public LayerPlan {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(format, "format");
        tensors = Collections.unmodifiableMap(new TreeMap<>(tensors));
        Objects.requireNonNull(shape, "shape");
    }

    @Override
    public String toString() {
        return name + ": " + scheme + " (" + format + "), " + bits + "-bit, "
                + (groupSize < 0 ? "per channel" : "group " + groupSize)
                + (blockRows > 1 ? " × " + blockRows + " rows" : "")
                + (symmetric ? ", symmetric" : ", asymmetric") + (actOrder ? ", act-order" : "")
                + shape.map(s -> ", " + s).orElse("");
    }
}
