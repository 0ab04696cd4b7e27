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

    /**
     * A single position, negative counting from the end; the dimension is dropped.
     *
     * @param index the position; -1 is the last
     */
    record At(long index) implements Index {
        @Override
        public String toString() {
            return Long.toString(index);
        }
    }

    /**
     * {@code start:stop:step}; null parts take NumPy's defaults. A step of 0 is an error when applied.
     *
     * @param start the first position, negative counting from the end, or null
     * @param stop  the position after the last, negative counting from the end, or null
     * @param step  the distance between positions, negative walking backwards, or null for 1
     */
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

    /**
     * {@return {@code index}: a single position, the dimension dropped}
     *
     * @param index the position; negative counts from the end (-1 is the last)
     */
    static Index at(long index) {
        return new At(index);
    }

    /**
     * {@return {@code start:stop}}
     *
     * @param start the first position, negative counting from the end
     * @param stop  the position after the last, negative counting from the end
     */
    static Index range(long start, long stop) {
        return new Range(start, stop, null);
    }

    /**
     * {@return {@code start:stop:step}, any part null}
     *
     * @param start the first position, or null for NumPy's default
     * @param stop  the position after the last, or null for NumPy's default
     * @param step  the distance between positions (negative walks backwards), or null for 1
     */
    static Index range(Long start, Long stop, Long step) {
        return new Range(start, stop, step);
    }

    /** {@return {@code :}, the whole dimension} */
    static Index all() {
        return new Range(null, null, null);
    }

    /** {@return {@code ...}: as many whole dimensions as the other entries leave} */
    static Index ellipsis() {
        return new Ellipsis();
    }
}
