package dev.safetensors.cli;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.cli.scan.ValueDiff;
import dev.safetensors.cli.text.Table;
import dev.safetensors.cli.text.Units;
import dev.safetensors.cli.tree.TreeText;
import dev.safetensors.internal.json.JsonWriter;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** A {@link CheckpointDiff} as text for people (like {@code diff -u}'s header, then sections) or as JSON. */
final class DiffReport {
    private DiffReport() {
    }

    static void print(CheckpointDiff d, String a, String b, PrintWriter out) {
        out.println("--- A: " + a);
        out.println("+++ B: " + b);
        section(out, "only in A", d.onlyA().size());
        d.onlyA().forEach(t -> out.println("  - " + TreeText.display(t.name()) + "  " + t.dtype() + " " + t.shape()));
        section(out, "only in B", d.onlyB().size());
        d.onlyB().forEach(t -> out.println("  + " + TreeText.display(t.name()) + "  " + t.dtype() + " " + t.shape()));
        List<CheckpointDiff.Pair> reshaped = d.pairs().stream().filter(CheckpointDiff.Pair::shapeChanged).toList();
        section(out, "shape changed", reshaped.size());
        reshaped.forEach(p -> out.println("  ~ " + TreeText.display(p.a().name()) + "  " + p.a().dtype() + " "
                + p.a().shape() + " -> " + p.b().dtype() + " " + p.b().shape()));
        List<CheckpointDiff.Pair> skipped = d.pairs().stream()
                .filter(p -> p.values() == null && !p.shapeChanged()).toList();
        section(out, "not compared", skipped.size());
        skipped.forEach(p -> out.println("  ? " + TreeText.display(p.a().name()) + ": " + p.notCompared()));
        if (!d.metadataEqual()) {
            out.println("metadata:");
            d.metadataChanged().forEach((k, v) -> out.println("  ~ " + JsonWriter.quote(k) + ": " + JsonWriter.quote(v.get(0))
                    + " -> " + JsonWriter.quote(v.get(1))));
            d.metadataOnlyA().forEach((k, v) -> out.println("  - " + JsonWriter.quote(k) + ": " + JsonWriter.quote(v)));
            d.metadataOnlyB().forEach((k, v) -> out.println("  + " + JsonWriter.quote(k) + ": " + JsonWriter.quote(v)));
        }

        List<CheckpointDiff.Pair> compared = d.pairs().stream().filter(p -> p.values() != null).toList();
        long identical = compared.stream().filter(p -> p.values().bytesIdentical()).count();
        long within = compared.stream().filter(p -> !p.values().bytesIdentical() && p.withinTolerance()).count();
        out.printf(Locale.ROOT, "values: %d %s compared (atol %s, rtol %s): %d identical, %d within tolerance, %d outside%n",
                compared.size(), compared.size() == 1 ? "tensor" : "tensors", Units.value(d.atol()), Units.value(d.rtol()),
                identical, within, compared.size() - identical - within);
        List<CheckpointDiff.Pair> listed = compared.stream().filter(p -> !p.values().bytesIdentical()).toList();
        boolean anyOutside = listed.stream().anyMatch(p -> p.values().firstMismatch() >= 0);
        Table table = anyOutside
                ? new Table("NAME", "DTYPE", "MAX ABS", "MAX REL", "OUTSIDE", "FIRST OUTSIDE (A vs B)").rightAligned(2, 3, 4)
                : new Table("NAME", "DTYPE", "MAX ABS", "MAX REL", "OUTSIDE").rightAligned(2, 3, 4);
        for (CheckpointDiff.Pair p : listed) {
            ValueDiff v = p.values();
            String dtype = p.dtypeChanged() ? p.a().dtype() + " -> " + p.b().dtype() : p.a().dtype().toString();
            String outside = String.format(Locale.ROOT, "%,d", v.mismatched());
            String name = TreeText.display(p.a().name());
            if (!anyOutside) {
                table.add(name, dtype, Units.value(v.maxAbs()), Units.value(v.maxRel()), outside);
                continue;
            }
            table.add(name, dtype, Units.value(v.maxAbs()), Units.value(v.maxRel()), outside, v.firstMismatch() < 0 ? ""
                    : index(p.a(), v.firstMismatch()) + ": " + exact(v.firstA()) + " vs " + exact(v.firstB()));
        }
        if (table.size() > 0) {
            table.print(out, "  ");
        }
        out.println(d.equal() ? "equal within tolerance" : "different");
    }

    private static void section(PrintWriter out, String title, int n) {
        if (n > 0) {
            out.println(title + ": " + n + (n == 1 ? " tensor" : " tensors"));
        }
    }

    /** The position of value {@code flat} in {@code t}: {@code [i, j]}, with {@code .re}/{@code .im} for C64. */
    static String index(Tensor t, long flat) {
        StringBuilder sb = new StringBuilder("[");
        long[] idx = position(t, flat);
        for (int d = 0; d < idx.length; d++) {
            sb.append(d == 0 ? "" : ", ").append(Long.toUnsignedString(idx[d]));
        }
        sb.append(']');
        return t.dtype() == DType.C64 ? sb + (flat % 2 == 0 ? ".re" : ".im") : sb.toString();
    }

    /** The row-major index of value {@code flat} (of element {@code flat / 2} for C64). */
    static long[] position(Tensor t, long flat) {
        long element = t.dtype() == DType.C64 ? flat / 2 : flat;
        Shape s = t.shape();
        long[] idx = new long[s.rank()];
        for (int d = s.rank() - 1; d >= 0; d--) {
            long size = s.dim(d);
            idx[d] = Long.remainderUnsigned(element, size);
            element = Long.divideUnsigned(element, size);
        }
        return idx;
    }

    /** A value in full: the shortest text that reads back as the float it came from, or as the double. */
    static String exact(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Units.value(v);
        }
        return (double) (float) v == v ? Float.toString((float) v) : Double.toString(v);
    }

    static String json(CheckpointDiff d, String a, String b) {
        StringBuilder sb = new StringBuilder("{\"a\": ");
        JsonWriter.appendQuoted(sb, a);
        sb.append(", \"b\": ");
        JsonWriter.appendQuoted(sb, b);
        sb.append(", \"equal\": ").append(d.equal());
        sb.append(", \"atol\": ").append(Units.json(d.atol())).append(", \"rtol\": ").append(Units.json(d.rtol()));
        sb.append(", \"only_in_a\": ");
        names(sb, d.onlyA());
        sb.append(", \"only_in_b\": ");
        names(sb, d.onlyB());
        sb.append(", \"metadata\": {\"changed\": ");
        JsonWriter.appendValue(sb, d.metadataChanged(), JsonWriter.Style.SERDE);
        sb.append(", \"only_in_a\": ");
        JsonWriter.appendValue(sb, d.metadataOnlyA(), JsonWriter.Style.SERDE);
        sb.append(", \"only_in_b\": ");
        JsonWriter.appendValue(sb, d.metadataOnlyB(), JsonWriter.Style.SERDE);
        sb.append("}, \"tensors\": {");
        boolean first = true;
        for (CheckpointDiff.Pair p : d.pairs()) {
            sb.append(first ? "" : ", ");
            first = false;
            JsonWriter.appendQuoted(sb, p.a().name());
            sb.append(": {\"dtype_a\": \"").append(p.a().dtype()).append("\", \"dtype_b\": \"").append(p.b().dtype())
                    .append("\", \"shape_a\": ");
            StatsCommand.appendShape(sb, p.a());
            sb.append(", \"shape_b\": ");
            StatsCommand.appendShape(sb, p.b());
            ValueDiff v = p.values();
            if (v == null) {
                sb.append(", \"compared\": false, \"not_compared\": ");
                JsonWriter.appendQuoted(sb, p.notCompared());
            } else {
                sb.append(", \"compared\": true, \"bytes_identical\": ").append(v.bytesIdentical())
                        .append(", \"max_abs\": ").append(Units.json(v.maxAbs()))
                        .append(", \"max_rel\": ").append(Units.json(v.maxRel()))
                        .append(", \"outside_tolerance\": ").append(v.mismatched())
                        .append(", \"first_outside\": ");
                if (v.firstMismatch() < 0) {
                    sb.append("null");
                } else {
                    sb.append("{\"index\": [");
                    long[] idx = position(p.a(), v.firstMismatch());
                    for (int k = 0; k < idx.length; k++) {
                        sb.append(k == 0 ? "" : ", ").append(Long.toUnsignedString(idx[k]));
                    }
                    sb.append(']');
                    if (p.a().dtype() == DType.C64) {
                        sb.append(", \"component\": \"").append(v.firstMismatch() % 2 == 0 ? "re" : "im").append('"');
                    }
                    sb.append(", \"a\": ").append(Units.json(v.firstA())).append(", \"b\": ")
                            .append(Units.json(v.firstB())).append('}');
                }
            }
            sb.append('}');
        }
        return sb.append("}}").toString();
    }

    private static void names(StringBuilder sb, List<Tensor> tensors) {
        sb.append('{');
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            sb.append(i == 0 ? "" : ", ");
            JsonWriter.appendQuoted(sb, t.name());
            sb.append(": {\"dtype\": \"").append(t.dtype()).append("\", \"shape\": ");
            StatsCommand.appendShape(sb, t);
            sb.append('}');
        }
        sb.append('}');
    }
}
