package dev.safetensors.cli;

import dev.safetensors.cli.text.Units;

/** Counts with their noun: "1 tensor", "2 tensors", "1,024 files". */
final class Plural {
    private Plural() {
    }

    static String of(long n, String noun) {
        String plural = n == 1 ? noun : noun.endsWith("y") ? noun.substring(0, noun.length() - 1) + "ies" : noun + "s";
        return Units.grouped(n) + " " + plural;
    }
}
