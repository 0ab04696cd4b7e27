package dev.safetensors.cli;

import dev.safetensors.Checkpoint;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.Tensor;
import dev.safetensors.cli.tree.NameTree;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** A checkpoint's tensors in the orders the value commands need, and its metadata whether sharded or not. */
final class CheckpointContents {
    private CheckpointContents() {
    }

    /** The tensors whose names {@code filter} finds (all when null), shard by shard and by offset: reads stay sequential. */
    static List<Tensor> inFileOrder(Checkpoint c, Pattern filter) {
        List<Tensor> out = new ArrayList<>();
        for (SafeTensorsFile f : Inputs.files(c)) {
            List<Tensor> tensors = new ArrayList<>(f.tensors());
            tensors.sort(Comparator.comparingLong(t -> t.info().begin()));
            for (Tensor t : tensors) {
                if (filter == null || filter.matcher(t.name()).find()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** Names in the order people read them: dotted segments compared one by one, numbers by value. */
    static final Comparator<String> NATURAL = CheckpointContents::compareNames;

    private static int compareNames(String a, String b) {
        String[] x = a.split("\\.", -1);
        String[] y = b.split("\\.", -1);
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = NameTree.compareKeys(x[i], y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    /**
     * The {@code __metadata__} of a file; for a sharded checkpoint, its shards' together (a key whose value
     * differs between shards shows each value once, joined by " | "). An index's own metadata
     * ({@code total_size}) is left out: it follows from the tensors. Empty when there is none.
     */
    static Map<String, String> metadata(Checkpoint c) {
        Map<String, List<String>> values = new TreeMap<>();
        for (SafeTensorsFile f : Inputs.files(c)) {
            Optional<Map<String, String>> m = f.metadata();
            m.ifPresent(map -> map.forEach((k, v) -> {
                List<String> seen = values.computeIfAbsent(k, key -> new ArrayList<>());
                if (!seen.contains(v)) {
                    seen.add(v);
                }
            }));
        }
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, String.join(" | ", v)));
        return out;
    }
}
