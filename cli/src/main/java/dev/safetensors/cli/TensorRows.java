package dev.safetensors.cli;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.cli.text.Pad;
import dev.safetensors.cli.text.Units;
import dev.safetensors.internal.json.JsonWriter;
import dev.safetensors.internal.text.Elide;
import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The tensor table of {@code inspect}, whatever the file format: NAME, DTYPE, SHAPE, BYTES, then parameter counts. */
final class TensorRows {
    /** A tensor; {@code sha256} is its digest in hex, or null when not asked for. */
    record Row(String name, DType dtype, Shape shape, long bytes, String sha256) {
        Row(String name, DType dtype, Shape shape, long bytes) {
            this(name, dtype, shape, bytes, null);
        }
    }

    private TensorRows() {
    }

    /**
     * Column widths: a longer name goes on a line of its own above its row, and a longer shape overflows its own
     * row only, so neither pads every row nor pushes the columns out of line.
     */
    private static final int NAME_COLUMN = 72;
    private static final int SHAPE_COLUMN = 32;

    static void print(List<Row> rows, long totalBytes, PrintWriter out) {
        int nameWidth = 4;
        int shapeWidth = 5;
        for (Row r : rows) {
            nameWidth = widest(nameWidth, displayName(r.name()).length(), NAME_COLUMN);
            shapeWidth = widest(shapeWidth, Elide.shape(r.shape()).length(), SHAPE_COLUMN);
        }
        boolean digests = rows.stream().anyMatch(r -> r.sha256() != null);
        out.println("  " + Pad.right("NAME", nameWidth) + "  " + Pad.right("DTYPE", 11) + "  "
                + Pad.right("SHAPE", shapeWidth) + "  " + Pad.left("BYTES", 14) + (digests ? "  SHA256" : ""));
        Map<DType, Long> params = new EnumMap<>(DType.class);
        for (Row r : rows) {
            String name = displayName(r.name());
            if (name.length() > nameWidth) {
                out.println("  " + name);
                name = "";
            }
            out.println("  " + Pad.right(name, nameWidth) + "  " + Pad.right(r.dtype().toString(), 11) + "  "
                    + Pad.right(Elide.shape(r.shape()), shapeWidth) + "  " + Pad.left(Units.grouped(r.bytes()), 14)
                    + (digests ? "  " + (r.sha256() == null ? "" : r.sha256()) : ""));
            params.merge(r.dtype(), r.shape().elementCount(), Long::sum);
        }
        printParameters(params, totalBytes, out);
    }

    /** The closing line: parameters per dtype, their total, and the bytes of tensor data. */
    static void printParameters(Map<DType, Long> params, long totalBytes, PrintWriter out) {
        StringBuilder sb = new StringBuilder("  parameters:");
        long total = 0;
        for (Map.Entry<DType, Long> e : params.entrySet()) {
            sb.append(' ').append(e.getKey()).append(' ').append(Units.grouped(e.getValue()));
            total += e.getValue();
        }
        out.println(sb.append("; total ").append(Plural.of(total, "parameter")).append(", ")
                .append(Plural.of(totalBytes, "byte")));
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
