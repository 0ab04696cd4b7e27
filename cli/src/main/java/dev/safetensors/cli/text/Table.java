package dev.safetensors.cli.text;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows of text in aligned columns: the first left-aligned and at most {@link #MAX_FIRST} wide (a longer cell
 * pushes out its own row only), the others left-aligned or, for numbers, right-aligned.
 *
 * <pre>{@code
 * Table t = new Table("NAME", "MIN").rightAligned(1);
 * t.add("w", "-0.5");
 * t.print(out, "  ");
 * }</pre>
 */
public final class Table {
    /** Widest first column. */
    public static final int MAX_FIRST = 72;

    private final List<String[]> rows = new ArrayList<>();
    private final boolean[] right;

    public Table(String... headers) {
        rows.add(headers.clone());
        right = new boolean[headers.length];
    }

    /** Right-aligns the given columns. */
    public Table rightAligned(int... columns) {
        for (int c : columns) {
            right[c] = true;
        }
        return this;
    }

    public void add(String... cells) {
        if (cells.length != right.length) {
            throw new IllegalArgumentException(cells.length + " cells for " + right.length + " columns");
        }
        rows.add(cells.clone());
    }

    /** Rows besides the headers. */
    public int size() {
        return rows.size() - 1;
    }

    public void print(PrintWriter out, String indent) {
        int[] width = new int[right.length];
        for (String[] r : rows) {
            for (int c = 0; c < r.length; c++) {
                width[c] = Math.max(width[c], c == 0 ? Math.min(MAX_FIRST, r[c].length()) : r[c].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder(indent);
            for (int c = 0; c < r.length; c++) {
                boolean last = c == r.length - 1;
                String cell = r[c];
                int pad = Math.max(0, width[c] - cell.length());
                if (right[c]) {
                    sb.append(" ".repeat(pad)).append(cell);
                } else {
                    sb.append(cell);
                    if (!last) {
                        sb.append(" ".repeat(pad));
                    }
                }
                if (!last) {
                    sb.append("  ");
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}
