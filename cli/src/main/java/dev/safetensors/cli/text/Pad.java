package dev.safetensors.cli.text;

/**
 * Text padded to a column's width, as {@code %-12s} and {@code %12s} pad it (never cut). Written out rather than
 * through {@link java.util.Formatter}: a JVM's first {@code format} call sets up locale data, tens of milliseconds
 * of a small command's start-up (docs/benchmarks.md, "Start-up of a small command").
 */
public final class Pad {
    private Pad() {
    }

    /** {@code s} followed by spaces up to {@code width}. */
    public static String right(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    /** Spaces up to {@code width}, then {@code s}. */
    public static String left(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }
}
