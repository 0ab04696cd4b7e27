package dev.safetensors.quant.internal.detect;

import dev.safetensors.quant.LayerPlan;
import dev.safetensors.quant.QuantScheme;
import dev.safetensors.quant.internal.layout.BuiltLayer;
import dev.safetensors.quant.internal.layout.LayerFormat;
import dev.safetensors.quant.internal.layout.LayerTensors;
import dev.safetensors.quant.internal.layout.Role;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Formats that share an anchor, told apart by the tensors themselves when no config says which: GPTQ and
 * AWQ by the width of {@code scales}, compressed-tensors' packed formats by dtype, MLX's modes by the biases.
 * Detection from names alone reports the first.
 *
 * @param options the formats, the first one reported when only names are known
 * @param pick    which option the tensors are in
 */
record ChosenFormat(List<LayerFormat> options, Function<LayerTensors, LayerFormat> pick) implements LayerFormat {

    @Override
    public QuantScheme scheme() {
        return options.get(0).scheme();
    }

    @Override
    public String format() {
        return options.get(0).format();
    }

    /** Every option's roles, the shared anchor first; required only where every option requires it. */
    @Override
    public List<Role> roles() {
        Map<String, Role> roles = new LinkedHashMap<>();
        Map<String, Integer> requiredBy = new LinkedHashMap<>();
        for (LayerFormat f : options) {
            for (Role r : f.roles()) {
                roles.putIfAbsent(r.name(), r);
                requiredBy.merge(r.name(), r.required() ? 1 : 0, Integer::sum);
            }
        }
        return roles.values().stream()
                .map(r -> new Role(r.name(), r.suffix(), requiredBy.get(r.name()) == options.size()))
                .toList();
    }

    @Override
    public LayerPlan plan(String layer, Map<String, String> tensors) {
        return options.get(0).plan(layer, tensors);
    }

    @Override
    public BuiltLayer build(LayerTensors tensors) {
        LayerFormat chosen = pick.apply(tensors);
        return chosen.build(new LayerTensors(tensors.source(), tensors.layer(), chosen.format(), tensors.byRole()));
    }
}
