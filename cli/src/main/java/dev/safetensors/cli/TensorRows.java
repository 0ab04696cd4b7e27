package dev.safetensors.cli;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.internal.json.JsonWriter;
import dev.safetensors.internal.text.Elide;
import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The tensor table of {@code inspect}, whatever the file format: NAME, DTYPE, SHAPE, BYTES, then parameter counts. */
final class TensorRows {
    record Row(String name, DType dtype, Shape shape, long bytes) {
    }

    private TensorRows() {
    }

    /** Column widths: a longer name or shape overflows its own row only, never pads every row. */
    private static final int NAME_COLUMN = 72;
    private static final int SHAPE_COLUMN = 32;

    static void print(List<Row> rows, long totalBytes, PrintWriter out) {
        int nameWidth = 4;
        int shapeWidth = 5;
        for (Row r : rows) {
            nameWidth = widest(nameWidth, displayName(r.name()).length(), NAME_COLUMN);
            shapeWidth = widest(shapeWidth, Elide.shape(r.shape()).length(), SHAPE_COLUMN);
        }
        String row = "  %-" + nameWidth + "s  %-11s  %-" + shapeWidth + "s  %,14d%n";
        out.printf("  %-" + nameWidth + "s  %-11s  %-" + shapeWidth + "s  %14s%n", "NAME", "DTYPE", "SHAPE", "BYTES");
        Map<DType, Long> params = new EnumMap<>(DType.class);
        for (Row r : rows) {
            out.printf(row, displayName(r.name()), r.dtype(), Elide.shape(r.shape()), r.bytes());
            params.merge(r.dtype(), r.shape().elementCount(), Long::sum);
        }
        printParameters(params, totalBytes, out);
    }

    /** The closing line: parameters per dtype, their total, and the bytes of tensor data. */
    static void printParameters(Map<DType, Long> params, long totalBytes, PrintWriter out) {
        StringBuilder sb = new StringBuilder("  parameters:");
        long total = 0;
        for (Map.Entry<DType, Long> e : params.entrySet()) {
            sb.append(String.format(" %s %,d", e.getKey(), e.getValue()));
            total += e.getValue();
        }
        out.println(sb.append(String.format("; total %,d parameters, %,d bytes", total, totalBytes)));
    }

    /** The column width so far, widened to {@code length} unless that is past the cap (that row overflows). */
    private static int widest(int width, int length, int cap) {
        return length <= cap ? Math.max(width, length) : width;
    }

    /**
     * Names are printed as JSON strings when they hold control characters, so the table stays a table, and
     * shortened when absurdly long ({@code --json} prints them whole).
     */
    static String displayName(String name) {
        String n = Elide.text(name);
        return n.chars().anyMatch(c -> c < 0x20 || c == 0x7F) || n.isEmpty() ? JsonWriter.quote(n) : n;
    }
}
