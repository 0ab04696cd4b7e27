package dev.safetensors.cli.tree;

import dev.safetensors.cli.text.Pad;
import dev.safetensors.cli.text.Units;
import dev.safetensors.internal.json.JsonWriter;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link NameTree} as aligned text: one row per node with its tree lines, then the dtype and shape of a
 * tensor, or the repeat count and number of tensors of a group, then parameters and size. A folded node's
 * row counts every repeat; the rows below it are those of one repeat.
 *
 * <pre>
 * model                         ×1    292 tensors   7.24B   13.5 GiB
 * ├─ embed_tokens.weight        BF16  [32000, 4096]  131M    250 MiB
 * ├─ layers.{0..31}             ×32   288 tensors   6.98B   13.0 GiB
 * │  ├─ input_layernorm.weight  BF16  [4096]         4096    8.00 KiB
 * </pre>
 */
public final class TreeText {
    /** Widest name column; longer names push their own row's columns out, not every row's. */
    private static final int MAX_NAME_WIDTH = 96;

    private TreeText() {
    }

    private record Row(String name, String type, String shape, String params, String size) {
    }

    /** Prints the rows below {@code root}, each line starting with {@code indent}; box-drawing lines or ASCII. */
    public static void print(NameTree.Node root, boolean unicode, String indent, PrintWriter out) {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("NAME", "DTYPE", "SHAPE", "PARAMS", "SIZE"));
        List<NameTree.Node> top = root.tensor() == null ? root.children() : List.of(root);
        for (NameTree.Node n : top) {
            collect(n, "", "", rows, unicode);
        }
        int[] w = new int[4];
        for (Row r : rows) {
            w[0] = Math.max(w[0], Math.min(MAX_NAME_WIDTH, r.name.length()));
            w[1] = Math.max(w[1], r.type.length());
            w[2] = Math.max(w[2], r.shape.length());
            w[3] = Math.max(w[3], r.params.length());
        }
        for (Row r : rows) {
            out.println(indent + Pad.right(r.name, w[0]) + "  " + Pad.right(r.type, w[1]) + "  " + Pad.right(r.shape, w[2])
                    + "  " + Pad.left(r.params, w[3]) + "  " + r.size);
        }
    }

    private static void collect(NameTree.Node n, String lead, String childLead, List<Row> rows, boolean unicode) {
        String name = lead + display(n.label());
        if (n.tensor() != null && n.children().isEmpty()) {
            rows.add(new Row(name, n.tensor().dtype().toString(), n.tensor().shape().toString(),
                    Units.count(n.params()), Units.bytes(n.bytes())));
        } else {
            String type = n.repeat() > 1 ? (unicode ? "\u00d7" : "x") + n.repeat() : "";
            rows.add(new Row(name, type, n.tensors() + (n.tensors() == 1 ? " tensor" : " tensors"),
                    Units.count(n.params()), Units.bytes(n.bytes())));
            if (n.tensor() != null) {
                // A name that is also a prefix of others: its own tensor first, under it.
                String own = childLead + (unicode ? "\u251c\u2500 " : "|- ") + "(itself)";
                rows.add(new Row(own, n.tensor().dtype().toString(), n.tensor().shape().toString(),
                        Units.count(n.tensor().elementCount()), Units.bytes(n.tensor().byteSize())));
            }
        }
        List<NameTree.Node> children = n.children();
        for (int i = 0; i < children.size(); i++) {
            boolean last = i == children.size() - 1;
            String branch = unicode ? (last ? "\u2514\u2500 " : "\u251c\u2500 ") : (last ? "`- " : "|- ");
            String below = unicode ? (last ? "   " : "\u2502  ") : (last ? "   " : "|  ");
            collect(children.get(i), childLead + branch, childLead + below, rows, unicode);
        }
    }

    /** Labels with control characters, or empty ones, as JSON strings, so each row stays one line. */
    public static String display(String label) {
        return label.isEmpty() || label.chars().anyMatch(c -> c < 0x20 || c == 0x7F) ? JsonWriter.quote(label) : label;
    }
}
