package dev.safetensors.torch.internal.pickle;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Renders built values exactly as {@code render()} in src/test/python/make_pickles.py renders Python's. */
final class PythonRender {
    private PythonRender() {
    }

    static String render(Object v) {
        return switch (v) {
            case PyNone n -> "None";
            case Boolean b -> b ? "True" : "False";
            case Long l -> Long.toString(l);
            case BigInteger b -> b.toString();
            case Double d -> "f:" + bits(d);
            case PyComplex c -> "c:" + bits(c.real()) + ":" + bits(c.imag());
            case String s -> quote(s);
            case PyBytes b -> "b:" + HexFormat.of().formatHex(b.bytes());
            case PyTuple t -> "(" + join(t.items()) + ")";
            case List<?> l -> "[" + join(l) + "]";
            case PyDict d -> {
                List<String> parts = new ArrayList<>();
                for (Map.Entry<Object, Object> e : d.entries().entrySet()) {
                    parts.add(render(e.getKey()) + ": " + render(e.getValue()));
                }
                yield "{" + String.join(", ", parts) + "}";
            }
            case PySet s -> "set{" + String.join(", ", s.items().stream().map(PythonRender::render).sorted().toList()) + "}";
            default -> throw new IllegalArgumentException("no rendering for " + v.getClass());
        };
    }

    private static String bits(double d) {
        return String.format("%016x", Double.doubleToRawLongBits(d));
    }

    private static String join(List<?> items) {
        return String.join(", ", items.stream().map(PythonRender::render).toList());
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '\\' && c != '\'') {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.append('\'').toString();
    }
}
