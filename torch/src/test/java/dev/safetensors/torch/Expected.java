package dev.safetensors.torch;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A row of an {@code expected.tsv}: what real PyTorch (torch.load, then {@code .contiguous()}) says a tensor
 * of a fixture is. Written by src/test/python/make_fixtures.py.
 */
record Expected(String file, String tensor, String dtype, String shape, String sha256) {
    static List<Expected> of(String table) {
        return Fixtures.rows(table).stream().map(c -> new Expected(c[0], c[1], c[2], c[3], c[4])).toList();
    }

    /** file → rows, in table order. */
    static Map<String, List<Expected>> byFile(String table) {
        return of(table).stream().collect(Collectors.groupingBy(Expected::file, java.util.LinkedHashMap::new,
                Collectors.toList()));
    }

    /** "[2, 3]" as Shape prints it. */
    String shapeText() {
        return "[" + shape.replace(",", ", ") + "]";
    }
}
