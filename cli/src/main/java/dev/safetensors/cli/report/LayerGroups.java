package dev.safetensors.cli.report;

import dev.safetensors.DType;
import dev.safetensors.TensorInfo;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tensors grouped into the layers of a model for the per-layer chart: a name with a numbered segment belongs to
 * the layer its first number names ({@code model.layers.3.mlp.up_proj.weight} to {@code model.layers.3}); any
 * other to its module, the name without its last segment ({@code model.embed_tokens}), or to itself when it has
 * one segment.
 */
final class LayerGroups {
    private LayerGroups() {
    }

    /**
     * A bar of the chart.
     *
     * @param name   the layer's dotted name
     * @param label  the name without the prefix every layer shares
     * @param params parameters per dtype
     */
    record Layer(String name, String label, Map<DType, Long> params) {
        long total() {
            return params.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** The layers of {@code tensors} (in natural name order), in the order their first tensor comes. */
    static List<Layer> of(List<TensorInfo> tensors) {
        Map<String, Map<DType, Long>> groups = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            groups.computeIfAbsent(layerOf(t.name()), k -> new EnumMap<>(DType.class))
                    .merge(t.dtype(), t.elementCount(), Long::sum);
        }
        String prefix = commonPrefix(new ArrayList<>(groups.keySet()));
        List<Layer> out = new ArrayList<>();
        groups.forEach((name, params) -> out.add(new Layer(name, name.length() > prefix.length()
                ? name.substring(prefix.length()) : name, params)));
        return out;
    }

    static String layerOf(String name) {
        String[] parts = name.split("\\.", -1);
        for (int i = 0; i < parts.length - 1; i++) {
            if (!parts[i].isEmpty() && parts[i].chars().allMatch(c -> c >= '0' && c <= '9')) {
                return String.join(".", java.util.Arrays.copyOf(parts, i + 1));
            }
        }
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? name : name.substring(0, dot);
    }

    /** The longest prefix ending in a dot that every name has (none for a single name). */
    private static String commonPrefix(List<String> names) {
        if (names.size() < 2) {
            return "";
        }
        String p = names.get(0);
        for (String n : names) {
            int i = 0;
            while (i < p.length() && i < n.length() && p.charAt(i) == n.charAt(i)) {
                i++;
            }
            p = p.substring(0, i);
        }
        int dot = p.lastIndexOf('.');
        return dot < 0 ? "" : p.substring(0, dot + 1);
    }
}
