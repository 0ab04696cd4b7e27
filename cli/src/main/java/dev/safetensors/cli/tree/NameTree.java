package dev.safetensors.cli.tree;

import dev.safetensors.TensorInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tensor names as a tree of their dotted prefixes, with repeated layers folded: the numbered children of a
 * node whose subtrees are alike (the same relative names, dtypes and shapes) become one node labelled with
 * their indices, such as {@code layers.{0..31}}, standing for all of them. A chain of nodes with one child each
 * is shown as one ({@code embed_tokens.weight}).
 *
 * <pre>{@code
 * NameTree.Node root = NameTree.of(file.tensors().stream().map(Tensor::info).toList());
 * root.children().get(0).label();   // "model"
 * }</pre>
 */
public final class NameTree {
    private NameTree() {
    }

    /**
     * One row of the tree.
     *
     * @param label    the dotted path from the parent, indices folded as {@code {0..31}}
     * @param path     the dotted path from the root, likewise
     * @param tensor   the tensor whose name ends here, or null
     * @param repeat   how many alike subtrees this node stands for (1 when nothing was folded)
     * @param indices  the indices folded into this node, in order (empty when nothing was)
     * @param children the rows below, those of the first of the alike subtrees when folded
     * @param tensors  tensors at and below this node, every repeat counted
     * @param params   their elements
     * @param bytes    their bytes
     */
    public record Node(String label, String path, TensorInfo tensor, long repeat, List<Long> indices,
            List<Node> children, long tensors, long params, long bytes) {
    }

    /** The tree of {@code tensors}' names; the root has an empty label. */
    public static Node of(List<TensorInfo> tensors) {
        Raw root = new Raw();
        for (TensorInfo t : tensors) {
            Raw at = root;
            for (String segment : t.name().split("\\.", -1)) {
                at = at.children.computeIfAbsent(segment, k -> new Raw());
            }
            at.tensor = t;
        }
        Map<String, Integer> signatures = new HashMap<>();
        root.sign(signatures);
        return root.fold(null, "", 1, List.of());
    }

    /** Decimal indices as PyTorch numbers modules: {@code 0}, or no leading zero. */
    static boolean isIndex(String key) {
        if (key.isEmpty() || key.length() > 18 || (key.length() > 1 && key.charAt(0) == '0')) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) < '0' || key.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** Indices as ranges: {@code {0..31}}, {@code {0,2,...,30}} for a stride, {@code {0..3,8,9}} otherwise. */
    static String formatIndices(List<Long> indices) {
        int n = indices.size();
        long step = n > 1 ? indices.get(1) - indices.get(0) : 0;
        boolean stride = n > 3 && step > 1;
        for (int i = 1; i < n && stride; i++) {
            stride = indices.get(i) - indices.get(i - 1) == step;
        }
        if (stride) {
            return "{" + indices.get(0) + "," + indices.get(1) + ",...," + indices.get(n - 1) + "}";
        }
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && indices.get(j + 1) == indices.get(j) + 1) {
                j++;
            }
            sb.append(sb.length() > 1 ? "," : "").append(indices.get(i));
            if (j - i >= 2) {
                sb.append("..").append(indices.get(j));
            } else if (j == i + 1) {
                sb.append(",").append(indices.get(j));
            }
            i = j + 1;
        }
        return sb.append("}").toString();
    }

    /** The unfolded tree: children by key, in natural order (indices by value, other keys as strings). */
    private static final class Raw {
        final Map<String, Raw> children = new TreeMap<>(NameTree::compareKeys);
        TensorInfo tensor;
        int signature;

        /** Numbers each distinct subtree shape, so alike subtrees have equal numbers. */
        int sign(Map<String, Integer> signatures) {
            StringBuilder sb = new StringBuilder();
            if (tensor != null) {
                sb.append(tensor.dtype()).append(tensor.shape());
            }
            for (Map.Entry<String, Raw> e : children.entrySet()) {
                sb.append('\u0000').append(e.getKey()).append('=').append(e.getValue().sign(signatures));
            }
            signature = signatures.computeIfAbsent(sb.toString(), k -> signatures.size());
            return signature;
        }

        /** This subtree as rows; {@code label} is null for the root. */
        Node fold(String label, String path, long repeat, List<Long> indices) {
            boolean root = label == null;
            // Numbered children grouped by their subtree's shape, each group placed where its first member was.
            Map<Integer, List<Long>> groups = new LinkedHashMap<>();
            for (String key : children.keySet()) {
                if (isIndex(key)) {
                    groups.computeIfAbsent(children.get(key).signature, s -> new ArrayList<>()).add(Long.parseLong(key));
                }
            }
            List<Node> out = new ArrayList<>();
            for (Map.Entry<String, Raw> e : children.entrySet()) {
                String key = e.getKey();
                String childPath = root ? key : path + "." + key;
                if (!isIndex(key)) {
                    out.add(e.getValue().fold(key, childPath, 1, List.of()));
                    continue;
                }
                List<Long> group = groups.get(e.getValue().signature);
                if (group.size() == 1 || group.get(0) == Long.parseLong(key)) {
                    String folded = group.size() == 1 ? key : formatIndices(group);
                    String foldedPath = root ? folded : path + "." + folded;
                    out.add(e.getValue().fold(folded, foldedPath, group.size(), group.size() == 1 ? List.of() : group));
                }
            }
            if (tensor == null && out.size() == 1 && !root) {
                // One child and nothing here: one row, "embed_tokens.weight" or "layers.{0..31}".
                Node only = out.get(0);
                return new Node(label + "." + only.label(), only.path(), only.tensor(), repeat * only.repeat(),
                        only.indices().isEmpty() ? indices : only.indices(), only.children(), repeat * only.tensors(),
                        repeat * only.params(), repeat * only.bytes());
            }
            long tensors = tensor == null ? 0 : 1;
            long params = tensor == null ? 0 : tensor.elementCount();
            long bytes = tensor == null ? 0 : tensor.byteSize();
            for (Node c : out) {
                tensors += c.tensors();
                params += c.params();
                bytes += c.bytes();
            }
            return new Node(root ? "" : label, path, tensor, repeat, indices, List.copyOf(out), repeat * tensors, repeat * params,
                    repeat * bytes);
        }
    }

    /** Indices by value before other keys; other keys by their characters. */
    public static int compareKeys(String a, String b) {
        boolean ia = isIndex(a);
        boolean ib = isIndex(b);
        if (ia && ib) {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        }
        if (ia != ib) {
            return ia ? -1 : 1;
        }
        return a.compareTo(b);
    }
}
