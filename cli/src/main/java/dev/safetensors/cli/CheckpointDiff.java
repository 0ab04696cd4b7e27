package dev.safetensors.cli;

import dev.safetensors.Tensor;
import dev.safetensors.cli.scan.ValueDiff;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What {@code diff} found: names in one checkpoint only, the tensors in both (compared, or why not), and the
 * metadata entries that differ. Lists are in natural name order.
 *
 * @param metadataChanged keys in both whose values differ, to {A's value, B's value}
 */
record CheckpointDiff(List<Tensor> onlyA, List<Tensor> onlyB, List<Pair> pairs, Map<String, List<String>> metadataChanged,
        Map<String, String> metadataOnlyA, Map<String, String> metadataOnlyB, double atol, double rtol) {

    /**
     * A tensor in both.
     *
     * @param notCompared why the values were not compared (the shapes differ, say), or null when they were
     * @param values      the comparison, or null when there was none
     */
    record Pair(Tensor a, Tensor b, String notCompared, ValueDiff values) {
        boolean shapeChanged() {
            return !a.shape().equals(b.shape());
        }

        boolean dtypeChanged() {
            return a.dtype() != b.dtype();
        }

        /** Compared, and every value within tolerance. */
        boolean withinTolerance() {
            return values != null && values.mismatched() == 0;
        }
    }

    static CheckpointDiff of(List<Tensor> onlyA, List<Tensor> onlyB, List<Pair> pairs, Map<String, String> metaA,
            Map<String, String> metaB, double atol, double rtol) {
        Comparator<Tensor> byName = Comparator.comparing(Tensor::name, CheckpointContents.NATURAL);
        List<Tensor> a = new ArrayList<>(onlyA);
        List<Tensor> b = new ArrayList<>(onlyB);
        List<Pair> p = new ArrayList<>(pairs);
        a.sort(byName);
        b.sort(byName);
        p.sort(Comparator.comparing(Pair::a, byName));
        Map<String, List<String>> changed = new LinkedHashMap<>();
        Map<String, String> onlyInA = new LinkedHashMap<>();
        Map<String, String> onlyInB = new LinkedHashMap<>();
        TreeSet<String> keys = new TreeSet<>(metaA.keySet());
        keys.addAll(metaB.keySet());
        for (String k : keys) {
            String va = metaA.get(k);
            String vb = metaB.get(k);
            if (vb == null) {
                onlyInA.put(k, va);
            } else if (va == null) {
                onlyInB.put(k, vb);
            } else if (!va.equals(vb)) {
                changed.put(k, List.of(va, vb));
            }
        }
        return new CheckpointDiff(List.copyOf(a), List.copyOf(b), List.copyOf(p), changed, onlyInA, onlyInB, atol, rtol);
    }

    boolean metadataEqual() {
        return metadataChanged.isEmpty() && metadataOnlyA.isEmpty() && metadataOnlyB.isEmpty();
    }

    /** The same names, shapes and metadata, and every value within tolerance. */
    boolean equal() {
        return onlyA.isEmpty() && onlyB.isEmpty() && metadataEqual() && pairs.stream().allMatch(Pair::withinTolerance);
    }
}
