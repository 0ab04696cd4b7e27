package dev.safetensors.cli;

import java.util.Locale;

/** Counts with their noun: "1 tensor", "2 tensors", "1,024 files". */
final class Plural {
    private Plural() {
    }

    static String of(long n, String noun) {
        return String.format(Locale.ROOT, "%,d %s%s", n, noun, n == 1 ? "" : "s");
    }
}
