package dev.safetensors.internal.slice;

import dev.safetensors.Index;
import dev.safetensors.SafeTensorsException;

import java.util.ArrayList;
import java.util.List;

/** Parses the string form of index expressions: {@code "0:2, ..., -1"}, optionally inside brackets. */
public final class IndexParser {
    private IndexParser() {
    }

    public static List<Index> parse(String expression, String source) {
        String s = expression.strip();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1).strip();
        }
        List<Index> out = new ArrayList<>();
        if (s.isEmpty()) {
            return out;
        }
        for (String part : s.split(",", -1)) {
            String p = part.strip();
            if (p.equals("...")) {
                out.add(Index.ellipsis());
            } else if (p.contains(":")) {
                String[] bounds = p.split(":", -1);
                if (bounds.length > 3) {
                    throw bad(expression, "`" + p + "` has more than two colons", source);
                }
                out.add(new Index.Range(number(bounds[0], expression, source),
                        number(bounds[1], expression, source),
                        bounds.length == 3 ? number(bounds[2], expression, source) : null));
            } else if (p.isEmpty()) {
                throw bad(expression, "an index is empty", source);
            } else {
                out.add(Index.at(number(p, expression, source)));
            }
        }
        return out;
    }

    private static Long number(String text, String expression, String source) {
        String t = text.strip();
        if (t.isEmpty()) {
            return null;
        }
        if (!t.matches("[+-]?[0-9]+")) {
            throw bad(expression, "`" + t + "` is not an integer (None, new axes, masks and arrays are not supported)",
                    source);
        }
        try {
            return Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
        } catch (NumberFormatException e) {
            throw bad(expression, "`" + t + "` does not fit a 64-bit integer", source);
        }
    }

    private static SafeTensorsException bad(String expression, String why, String source) {
        return new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, source,
                "invalid slice expression `" + expression + "`: " + why);
    }
}
