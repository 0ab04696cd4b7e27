package dev.safetensors.cli.report;

import dev.safetensors.DType;
import dev.safetensors.cli.scan.Histogram;
import dev.safetensors.cli.scan.TensorStats;
import dev.safetensors.cli.text.Units;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The report's charts as inline SVG, drawn here rather than by script, so they show in any viewer, scripts
 * off included. Every bar is a {@code rect.bar} with its value in {@code data-value} and a tooltip.
 */
final class Charts {
    private Charts() {
    }

    /** A colour per dtype family, the same in every chart and legend. */
    static String color(DType t) {
        return switch (t) {
            case BF16 -> "#4e79a7";
            case F16 -> "#59a14f";
            case F32 -> "#f28e2b";
            case F64 -> "#e15759";
            case F8_E4M3, F8_E4M3FNUZ -> "#b07aa1";
            case F8_E5M2, F8_E5M2FNUZ -> "#d4a6c8";
            case F8_E8M0 -> "#9d7660";
            case F4, F6_E2M3, F6_E3M2 -> "#ff9da7";
            case I8, U8 -> "#76b7b2";
            case I16, U16, I32, U32 -> "#8cd17d";
            case I64, U64 -> "#bab0ac";
            case BOOL -> "#499894";
            case C64 -> "#edc948";
        };
    }

    /** Horizontal bars, one per dtype, longest first. */
    static String dtypeBars(List<Map.Entry<DType, Long>> params) {
        long total = params.stream().mapToLong(Map.Entry::getValue).sum();
        long max = params.stream().mapToLong(Map.Entry::getValue).max().orElse(1);
        int rowH = 30;
        int labelW = 110;
        int barW = 420;
        int width = labelW + barW + 170;
        int height = rowH * params.size() + 10;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg class=\"chart\" data-chart=\"dtypes\" data-bars=\"%d\" viewBox=\"0 0 %d %d\" "
                + "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"Parameters per dtype\">", params.size(), width,
                height, width, height));
        int y = 5;
        for (Map.Entry<DType, Long> e : params) {
            double w = max == 0 ? 0 : Math.max(1.5, (double) barW * e.getValue() / max);
            String share = Units.percent(total == 0 ? 0 : (double) e.getValue() / total);
            sb.append(String.format(Locale.ROOT, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
                    labelW - 10, y + 19, e.getKey()));
            sb.append(String.format(Locale.ROOT, "<rect class=\"bar\" data-dtype=\"%s\" data-value=\"%d\" x=\"%d\" y=\"%d\" "
                    + "width=\"%.1f\" height=\"%d\" rx=\"3\" fill=\"%s\"><title>%s: %,d parameters (%s)</title></rect>",
                    e.getKey(), e.getValue(), labelW, y + 4, w, rowH - 8, color(e.getKey()), e.getKey(), e.getValue(), share));
            sb.append(String.format(Locale.ROOT, "<text class=\"value\" x=\"%.1f\" y=\"%d\">%s · %s</text>",
                    labelW + w + 8, y + 19, Units.count(e.getValue()), share));
            y += rowH;
        }
        return sb.append("</svg>").toString();
    }

    /** Columns, one per layer, stacked by dtype; an axis of parameter counts. */
    static String layerColumns(List<LayerGroups.Layer> layers) {
        long max = layers.stream().mapToLong(LayerGroups.Layer::total).max().orElse(1);
        max = Math.max(max, 1);
        int n = layers.size();
        int left = 64;
        int top = 12;
        int plotH = 200;
        int step = Math.max(6, Math.min(44, 900 / Math.max(1, n)));
        int barW = Math.max(3, step * 7 / 10);
        boolean labels = step >= 12;
        int bottom = labels ? 118 : 24;
        int width = left + step * n + 20;
        int height = top + plotH + bottom;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg class=\"chart\" data-chart=\"layers\" data-bars=\"%d\" viewBox=\"0 0 %d %d\" "
                + "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"Parameters per layer\">", n, width, height,
                width, height));
        for (int k = 0; k <= 4; k++) {
            double y = top + plotH - plotH * k / 4.0;
            sb.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>",
                    left, width - 10, y, y));
            sb.append(String.format(Locale.ROOT, "<text class=\"axis\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
                    left - 6, y + 4, Units.count(Math.round(max * k / 4.0))));
        }
        for (int i = 0; i < n; i++) {
            LayerGroups.Layer layer = layers.get(i);
            double x = left + i * step + (step - barW) / 2.0;
            double y = top + plotH;
            sb.append("<g class=\"column\">");
            for (Map.Entry<DType, Long> e : layer.params().entrySet()) {
                double h = plotH * (double) e.getValue() / max;
                y -= h;
                sb.append(String.format(Locale.ROOT, "<rect class=\"bar\" data-dtype=\"%s\" data-value=\"%d\" x=\"%.1f\" "
                        + "y=\"%.2f\" width=\"%d\" height=\"%.2f\" fill=\"%s\"><title>%s: %s %,d parameters</title></rect>",
                        e.getKey(), e.getValue(), x, y, barW, Math.max(h, 0.5), color(e.getKey()), Html.esc(layer.name()),
                        e.getKey(), e.getValue()));
            }
            sb.append("</g>");
            if (labels) {
                double lx = x + barW / 2.0;
                double ly = top + plotH + 10;
                String text = layer.label().length() > 22 ? "\u2026" + layer.label().substring(layer.label().length() - 21)
                        : layer.label();
                sb.append(String.format(Locale.ROOT, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
                        + "transform=\"rotate(-55 %.1f %.1f)\">%s</text>", lx, ly, lx, ly, Html.esc(text)));
            }
        }
        return sb.append("</svg>").toString();
    }

    /** The dtypes present, for a legend, in declaration order. */
    static String legend(Set<DType> dtypes) {
        Set<DType> ordered = dtypes.isEmpty() ? Set.of() : EnumSet.copyOf(dtypes);
        StringBuilder sb = new StringBuilder("<ul class=\"legend\">");
        for (DType t : ordered) {
            sb.append("<li><span class=\"swatch\" style=\"background:").append(color(t)).append("\"></span>")
                    .append(t).append("</li>");
        }
        return sb.append("</ul>").toString();
    }

    /** Bars for the bins, a dashed line at the mean, and the range below. */
    static String histogram(Histogram h, TensorStats s, DType dtype) {
        long[] counts = h.counts();
        long max = 1;
        for (long c : counts) {
            max = Math.max(max, c);
        }
        int width = 340;
        int plotH = 120;
        int top = 6;
        int left = 6;
        int plotW = width - 2 * left;
        double binW = (double) plotW / counts.length;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg class=\"chart histogram\" data-chart=\"histogram\" data-bars=\"%d\" "
                + "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"Histogram\">", counts.length,
                width, top + plotH + 22, width, top + plotH + 22));
        sb.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>", left,
                width - left, top + plotH, top + plotH));
        double lo = h.low();
        double span = h.high() - h.low();
        for (int i = 0; i < counts.length; i++) {
            double bh = plotH * (double) counts[i] / max;
            double x = left + i * binW;
            double from = lo + span * i / counts.length;
            double to = lo + span * (i + 1) / counts.length;
            sb.append(String.format(Locale.ROOT, "<rect class=\"bar\" data-value=\"%d\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                    + "height=\"%.2f\" fill=\"%s\"><title>[%s, %s%s: %,d</title></rect>", counts[i], x + 0.3,
                    top + plotH - bh, Math.max(0.5, binW - 0.6), bh, color(dtype), Units.value(from), Units.value(to),
                    i == counts.length - 1 ? "]" : ")", counts[i]));
        }
        if (s != null && s.finite() > 0 && span > 0) {
            double mx = left + plotW * (s.mean() - lo) / span;
            sb.append(String.format(Locale.ROOT, "<line class=\"mean\" x1=\"%.2f\" x2=\"%.2f\" y1=\"%d\" y2=\"%d\">"
                    + "<title>mean %s</title></line>", mx, mx, top, top + plotH, Units.value(s.mean())));
        }
        List<String> ticks = new ArrayList<>(List.of(
                String.format(Locale.ROOT, "<text class=\"axis\" x=\"%d\" y=\"%d\">%s</text>", left, top + plotH + 16,
                        Units.value(h.low())),
                String.format(Locale.ROOT, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
                        width - left, top + plotH + 16, Units.value(h.high()))));
        if (h.low() < 0 && h.high() > 0) {
            double zx = left + plotW * (0 - lo) / span;
            if (zx > left + 40 && zx < width - left - 40) {
                ticks.add(String.format(Locale.ROOT, "<text class=\"axis\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">0</text>",
                        zx, top + plotH + 16));
            }
        }
        ticks.forEach(sb::append);
        return sb.append("</svg>").toString();
    }
}
