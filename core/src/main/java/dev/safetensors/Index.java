package dev.safetensors;

/**
 * One entry of a NumPy-style index expression for {@link Tensor#slice(Index...)}.
 *
 * <pre>{@code
 * t.slice(Index.at(-1));                                  // t[-1]
 * t.slice(Index.all(), Index.range(1, 3));                // t[:, 1:3]
 * t.slice(Index.ellipsis(), Index.range(null, null, -2)); // t[..., ::-2]
 * t.slice("0:2, ..., -1");                                // the same syntax as a string
 * }</pre>
 */
public sealed interface Index {

    /** A single position, negative counting from the end; the dimension is dropped. */
    record At(long index) implements Index {
        @Override
        public String toString() {
            return Long.toString(index);
        }
    }

    /** {@code start:stop:step}; null parts take NumPy's defaults. A step of 0 is an error when applied. */
    record Range(Long start, Long stop, Long step) implements Index {
        @Override
        public String toString() {
            return str(start) + ":" + str(stop) + (step == null ? "" : ":" + step);
        }

        private static String str(Long v) {
            return v == null ? "" : v.toString();
        }
    }

    /** {@code ...}: as many full dimensions as needed (at most one per expression). */
    record Ellipsis() implements Index {
        @Override
        public String toString() {
            return "...";
        }
    }

    static Index at(long index) {
        return new At(index);
    }

    /** {@code start:stop}. */
    static Index range(long start, long stop) {
        return new Range(start, stop, null);
    }

    /** {@code start:stop:step}, any part null. */
    static Index range(Long start, Long stop, Long step) {
        return new Range(start, stop, step);
    }

    /** {@code :}. */
    static Index all() {
        return new Range(null, null, null);
    }

    static Index ellipsis() {
        return new Ellipsis();
    }
}
