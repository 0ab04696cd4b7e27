package dev.safetensors.cli.report;

import dev.safetensors.DType;
import dev.safetensors.TensorInfo;
import dev.safetensors.cli.scan.TensorStats;
import dev.safetensors.cli.text.Units;
import dev.safetensors.cli.tree.NameTree;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A report as one HTML file that needs nothing else to be read: styles, script and charts inline, and a
 * content security policy that forbids the page to load anything, so opening it never touches the network.
 * Sections: overview, parameters per dtype and per layer (SVG charts), the structure as a collapsible tree with
 * repeated layers folded, histograms, a sortable table of statistics, quantization, metadata.
 *
 * <pre>{@code
 * String html = HtmlReport.render(data);
 * }</pre>
 */
public final class HtmlReport {
    private static final String CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
            + "img-src data:";
    /** Tree levels open when the page loads. */
    private static final int OPEN_DEPTH = 2;

    private HtmlReport() {
    }

    public static String render(ReportData d) {
        StringBuilder sb = new StringBuilder(1 << 16);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(CSP).append("\">\n")
                .append("<meta name=\"generator\" content=\"").append(Html.esc(d.generator())).append("\">\n")
                .append("<title>").append(Html.esc(d.title())).append(" \u00b7 safetensors report</title>\n")
                .append("<style>\n").append(resource("report.css")).append("</style>\n</head>\n<body>\n");
        header(d, sb);
        sb.append("<main>\n");
        overview(d, sb);
        dtypes(d, sb);
        layers(d, sb);
        structure(d, sb);
        histograms(d, sb);
        statistics(d, sb);
        quantization(d, sb);
        metadata(d, sb);
        sb.append("</main>\n<footer>Written by ").append(Html.esc(d.generator()))
                .append(". This page loads nothing from anywhere: its styles, script and charts are inside it.</footer>\n")
                .append("<script>\n").append(resource("report.js")).append("</script>\n</body>\n</html>\n");
        return sb.toString();
    }

    private static void header(ReportData d, StringBuilder sb) {
        sb.append("<header class=\"top\"><h1>").append(Html.esc(d.title())).append("</h1><p class=\"src\">")
                .append(Html.esc(d.source()));
        if (d.files().size() > 1) {
            sb.append(" \u00b7 ").append(d.files().size()).append(" shards");
        }
        if (d.index() != null) {
            sb.append(" \u00b7 index ").append(Html.esc(d.index()));
        }
        sb.append("</p><nav>");
        for (String[] s : new String[][] {{"overview", "Overview"}, {"dtypes", "Dtypes"}, {"layers", "Layers"},
                {"structure", "Structure"}, {"histograms", "Histograms"}, {"statistics", "Statistics"},
                {"quantization", "Quantization"}, {"metadata", "Metadata"}}) {
            sb.append("<a href=\"#").append(s[0]).append("\">").append(s[1]).append("</a>");
        }
        sb.append("</nav></header>\n");
    }

    private static void overview(ReportData d, StringBuilder sb) {
        Map<DType, Long> params = paramsByDtype(d.tensors());
        sb.append("<section id=\"overview\"><h2>Overview</h2><div class=\"cards\">");
        card(sb, "Tensors", String.format(Locale.ROOT, "%,d", d.tensors().size()), null);
        card(sb, "Parameters", Units.count(d.parameters()), String.format(Locale.ROOT, "%,d", d.parameters()));
        card(sb, "Tensor data", Units.bytes(d.dataBytes()), String.format(Locale.ROOT, "%,d bytes", d.dataBytes()));
        card(sb, "Header", Units.bytes(d.headerBytes()), d.files().size() == 1 ? "1 file"
                : d.files().size() + " files");
        card(sb, "Dtypes", String.valueOf(params.size()), String.join(", ", params.keySet().stream().map(Enum::name).toList()));
        sb.append("</div></section>\n");
    }

    private static void card(StringBuilder sb, String key, String value, String sub) {
        sb.append("<div class=\"card\"><div class=\"k\">").append(key).append("</div><div class=\"v\">")
                .append(Html.esc(value)).append("</div>");
        if (sub != null) {
            sb.append("<div class=\"s\">").append(Html.esc(sub)).append("</div>");
        }
        sb.append("</div>");
    }

    private static Map<DType, Long> paramsByDtype(List<TensorInfo> tensors) {
        Map<DType, Long> m = new EnumMap<>(DType.class);
        tensors.forEach(t -> m.merge(t.dtype(), t.elementCount(), Long::sum));
        return m;
    }

    private static void dtypes(ReportData d, StringBuilder sb) {
        Map<DType, long[]> rows = new EnumMap<>(DType.class);   // tensors, params, bytes
        for (TensorInfo t : d.tensors()) {
            long[] r = rows.computeIfAbsent(t.dtype(), k -> new long[3]);
            r[0]++;
            r[1] += t.elementCount();
            r[2] += t.byteSize();
        }
        List<Map.Entry<DType, Long>> bars = new ArrayList<>();
        rows.forEach((t, r) -> bars.add(Map.entry(t, r[1])));
        bars.sort(Map.Entry.<DType, Long>comparingByValue().reversed());
        sb.append("<section id=\"dtypes\"><h2>Parameters per dtype</h2><div class=\"charts\"><div class=\"scroll\">")
                .append(Charts.dtypeBars(bars)).append("</div><table class=\"small\"><thead><tr><th>dtype</th>")
                .append("<th class=\"n\">tensors</th><th class=\"n\">parameters</th><th class=\"n\">bytes</th></tr></thead><tbody>");
        for (Map.Entry<DType, Long> e : bars) {
            long[] r = rows.get(e.getKey());
            sb.append(String.format(Locale.ROOT, "<tr><td><span class=\"swatch\" style=\"background:%s\"></span>%s</td>"
                    + "<td class=\"n\">%,d</td><td class=\"n\">%,d</td><td class=\"n\">%,d</td></tr>",
                    Charts.color(e.getKey()), e.getKey(), r[0], r[1], r[2]));
        }
        sb.append("</tbody></table></div></section>\n");
    }

    private static void layers(ReportData d, StringBuilder sb) {
        List<LayerGroups.Layer> layers = LayerGroups.of(d.tensors());
        sb.append("<section id=\"layers\"><h2>Parameters per layer</h2><p class=\"note\">")
                .append(layers.size()).append(layers.size() == 1 ? " group" : " groups")
                .append(": a tensor counts for the layer its first numbered segment names (model.layers.3), ")
                .append("or else for its module.</p><div class=\"scroll\">").append(Charts.layerColumns(layers))
                .append("</div>").append(Charts.legend(paramsByDtype(d.tensors()).keySet())).append("</section>\n");
    }

    private static void structure(ReportData d, StringBuilder sb) {
        NameTree.Node root = NameTree.of(d.tensors());
        sb.append("<section id=\"structure\"><h2>Structure</h2><p class=\"note\">Tensors by their dotted names. ")
                .append("Numbered layers that hold the same tensors (names, dtypes, shapes) are folded into one entry, ")
                .append("such as layers.{0..31} \u00d732, which shows one of them; its counts are for all.</p>")
                .append("<div class=\"tools\"><button data-action=\"expand\">Expand all</button>")
                .append("<button data-action=\"collapse\">Collapse all</button></div><ul class=\"tree\">");
        for (NameTree.Node n : root.children()) {
            node(n, 0, sb);
        }
        sb.append("</ul></section>\n");
    }

    private static void node(NameTree.Node n, int depth, StringBuilder sb) {
        boolean leaf = n.children().isEmpty();
        sb.append(leaf ? "<li class=\"leaf\">" : "<li><details" + (depth < OPEN_DEPTH ? " open" : "") + "><summary>");
        sb.append("<span class=\"row\"><span class=\"tname\">").append(Html.esc(n.label())).append("</span>");
        if (n.repeat() > 1) {
            sb.append("<span class=\"repeat\">\u00d7").append(n.repeat()).append("</span>");
        }
        if (n.tensor() != null) {
            TensorInfo t = n.tensor();
            sb.append("<span class=\"dtype\" style=\"background:").append(Charts.color(t.dtype())).append("\">")
                    .append(t.dtype()).append("</span><span class=\"shape\">").append(t.shape()).append("</span>");
        }
        sb.append("<span class=\"meta\">");
        if (!leaf) {
            sb.append(String.format(Locale.ROOT, "%,d %s \u00b7 ", n.tensors(), n.tensors() == 1 ? "tensor" : "tensors"));
        }
        sb.append(Units.count(n.params())).append(" params \u00b7 ").append(Units.bytes(n.bytes())).append("</span></span>");
        if (leaf) {
            sb.append("</li>");
            return;
        }
        sb.append("</summary><ul>");
        for (NameTree.Node c : n.children()) {
            node(c, depth + 1, sb);
        }
        sb.append("</ul></details></li>");
    }

    private static void histograms(ReportData d, StringBuilder sb) {
        sb.append("<section id=\"histograms\"><h2>Value histograms</h2>");
        if (d.histograms().isEmpty()) {
            sb.append("<p class=\"note\">").append(d.stats().isEmpty() ? "Tensor values were not read."
                    : "No tensor has finite values to draw.").append("</p></section>\n");
            return;
        }
        sb.append("<p class=\"note\">The ").append(d.histograms().size() == d.stats().size() ? "" : "largest ")
                .append(d.histograms().size()).append(d.histograms().size() == 1 ? " tensor" : " tensors")
                .append(": finite values in equal bins from the minimum to the maximum; the dashed line is the mean.</p>")
                .append("<div class=\"grid-h\">");
        for (ReportData.TensorHistogram h : d.histograms()) {
            TensorStats s = h.stats();
            sb.append("<div class=\"hist\"><h3>").append(Html.esc(h.tensor().name())).append("</h3><div class=\"sub\">")
                    .append(h.tensor().dtype()).append(' ').append(h.tensor().shape()).append(" \u00b7 ")
                    .append(Units.count(h.tensor().elementCount())).append(" values</div>")
                    .append(Charts.histogram(h.histogram(), s, h.tensor().dtype()))
                    .append("<div class=\"st\">mean ").append(Units.value(s.mean())).append(" \u00b7 std ")
                    .append(Units.value(s.std())).append(" \u00b7 zeros ").append(Units.percent(s.zeroFraction()));
            if (s.nan() + s.posInf() + s.negInf() > 0) {
                sb.append(" \u00b7 NaN ").append(s.nan()).append(" \u00b7 Inf ").append(s.posInf() + s.negInf());
            }
            sb.append("</div></div>");
        }
        sb.append("</div></section>\n");
    }

    private static void statistics(ReportData d, StringBuilder sb) {
        boolean values = !d.stats().isEmpty();
        sb.append("<section id=\"statistics\"><h2>Tensors</h2><div class=\"tools\"><input type=\"search\" id=\"filter\" ")
                .append("placeholder=\"Filter by name\" aria-label=\"Filter tensors by name\"><span class=\"muted\" id=\"shown\">")
                .append(d.tensors().size()).append(" tensors</span></div><div class=\"tablewrap\"><table id=\"stats-table\">")
                .append("<thead><tr><th>name</th><th>dtype</th><th>shape</th><th class=\"n\">params</th><th class=\"n\">bytes</th>");
        if (values) {
            for (String h : new String[] {"min", "max", "mean", "std", "zeros", "NaN", "Inf"}) {
                sb.append("<th class=\"n\">").append(h).append("</th>");
            }
        }
        sb.append("</tr></thead><tbody>");
        for (TensorInfo t : d.tensors()) {
            sb.append("<tr><td class=\"name\">").append(Html.esc(t.name())).append("</td><td>").append(t.dtype())
                    .append("</td><td>").append(t.shape()).append("</td>");
            number(sb, t.elementCount(), String.format(Locale.ROOT, "%,d", t.elementCount()));
            number(sb, t.byteSize(), String.format(Locale.ROOT, "%,d", t.byteSize()));
            if (values) {
                TensorStats s = d.stats().get(t.name());
                if (s == null) {
                    sb.append("<td class=\"n\" colspan=\"7\">").append(Html.esc(d.notRead().getOrDefault(t.name(), "not read")))
                            .append("</td>");
                } else {
                    boolean any = s.finite() > 0;
                    for (double v : new double[] {s.min(), s.max(), s.mean(), s.std()}) {
                        number(sb, any ? v : Double.NaN, any ? Units.value(v) : "-");
                    }
                    number(sb, s.zeroFraction(), Units.percent(s.zeroFraction()));
                    number(sb, s.nan(), String.valueOf(s.nan()));
                    number(sb, s.posInf() + s.negInf(), String.valueOf(s.posInf() + s.negInf()));
                }
            }
            sb.append("</tr>");
        }
        sb.append("</tbody></table></div></section>\n");
    }

    private static void number(StringBuilder sb, double sortKey, String text) {
        sb.append("<td class=\"n\" data-v=\"").append(Double.isNaN(sortKey) ? "" : sortKey).append("\">")
                .append(Html.esc(text)).append("</td>");
    }

    private static void quantization(ReportData d, StringBuilder sb) {
        sb.append("<section id=\"quantization\"><h2>Quantization</h2>");
        if (d.quantization().isEmpty()) {
            sb.append("<p class=\"note\">None found: no quantization config beside the checkpoint and no ")
                    .append("low-precision (FP8, FP6, FP4) tensors.</p>");
        }
        for (QuantizationInfo.Section s : d.quantization()) {
            sb.append("<h3>").append(Html.esc(s.title())).append("</h3><table><thead><tr>");
            s.header().forEach(h -> sb.append("<th>").append(Html.esc(h)).append("</th>"));
            sb.append("</tr></thead><tbody>");
            for (List<String> row : s.rows()) {
                sb.append("<tr>");
                row.forEach(c -> sb.append("<td class=\"name\">").append(Html.esc(c)).append("</td>"));
                sb.append("</tr>");
            }
            sb.append("</tbody></table>");
            s.notes().forEach(n -> sb.append("<p class=\"note\">").append(Html.esc(n)).append("</p>"));
        }
        sb.append("</section>\n");
    }

    private static void metadata(ReportData d, StringBuilder sb) {
        sb.append("<section id=\"metadata\"><h2>Metadata</h2>");
        if (d.metadata().isEmpty() && d.indexMetadata().isEmpty()) {
            sb.append("<p class=\"note\">The checkpoint has no metadata.</p>");
        }
        table(sb, d.files().size() > 1 ? "__metadata__ of the shards" : "__metadata__", d.metadata());
        table(sb, "metadata of the index", d.indexMetadata());
        sb.append("</section>\n");
    }

    private static void table(StringBuilder sb, String title, Map<String, String> entries) {
        if (entries.isEmpty()) {
            return;
        }
        sb.append("<h3>").append(Html.esc(title)).append("</h3><table><thead><tr><th>key</th><th>value</th></tr></thead><tbody>");
        entries.forEach((k, v) -> sb.append("<tr><td class=\"name\">").append(Html.esc(k)).append("</td><td class=\"name\">")
                .append(Html.esc(v)).append("</td></tr>"));
        sb.append("</tbody></table>");
    }

    private static String resource(String name) {
        try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the report's " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
