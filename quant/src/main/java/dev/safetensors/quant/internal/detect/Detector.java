package dev.safetensors.quant.internal.detect;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.quant.internal.layout.LayerFormat;
import dev.safetensors.quant.internal.layout.Role;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Groups tensor names into quantized layers: each candidate, in order, claims every layer whose anchor
 * tensor it finds, with the companion tensors beside it; a name belongs to one layer at most. A layer whose
 * required companions are missing is a {@code TensorNotFound} naming what it has and what it lacks.
 * Linear in the number of names times candidates.
 */
public final class Detector {
    private Detector() {
    }

    /** The layers among {@code names}, in the order of their anchors. */
    public static List<LayerGroup> group(List<String> names, List<Candidate> candidates, String source) {
        Set<String> present = new HashSet<>(names);
        Set<String> used = new HashSet<>();
        Set<String> claimed = new HashSet<>();
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            position.putIfAbsent(names.get(i), i);
        }
        List<LayerGroup> groups = new ArrayList<>();
        Map<LayerGroup, Integer> anchorAt = new HashMap<>();
        for (Candidate c : candidates) {
            for (String name : names) {
                if (!name.endsWith(c.anchor()) || used.contains(name)) {
                    continue;
                }
                String layer = name.substring(0, name.length() - c.anchor().length());
                if (layer.isEmpty() || claimed.contains(layer)) {
                    continue;
                }
                LayerFormat format = c.format().apply(layer);
                if (format == null) {
                    continue;
                }
                Map<String, String> tensors = new LinkedHashMap<>();
                for (Role role : format.roles()) {
                    String tensor = role.tensorName(layer);
                    if (present.contains(tensor) && !used.contains(tensor)) {
                        tensors.put(role.name(), tensor);
                    } else if (role.required()) {
                        throw new SafeTensorsException(SafeTensorsException.Kind.TensorNotFound, source, "layer `" + layer
                                + "` (" + format.format() + ") has `" + name + "` but no `" + tensor + "`");
                    }
                }
                used.addAll(tensors.values());
                claimed.add(layer);
                LayerGroup g = new LayerGroup(layer, format, tensors);
                groups.add(g);
                anchorAt.put(g, position.get(name));
            }
        }
        groups.sort((a, b) -> Integer.compare(anchorAt.get(a), anchorAt.get(b)));
        return groups;
    }
}
