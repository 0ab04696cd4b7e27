package dev.safetensors.quant.internal.layout;

import dev.safetensors.Shape;
import dev.safetensors.Tensor;

/**
 * Which block of a {@code [out, in]} weight each scale covers: {@code blockRows × blockColumns} elements,
 * {@code rows × columns} scales, the last block of each dimension possibly partial. Per tensor is one block,
 * per channel {@code 1 × in}, per group {@code 1 × g}, DeepSeek-style {@code 128 × 128}.
 */
public record ScaleGrid(long blockRows, int blockColumns, long rows, int columns) {

    /** What the config says the scales are; null fields are read from the scale tensor's shape. */
    public sealed interface Strategy {
        record PerTensor() implements Strategy {
            @Override
            public String toString() {
                return "one scale per tensor";
            }
        }

        record PerChannel() implements Strategy {
            @Override
            public String toString() {
                return "one scale per row";
            }
        }

        record PerGroup(int size) implements Strategy {
            @Override
            public String toString() {
                return "groups of " + size + " columns";
            }
        }

        record PerBlock(long rows, int columns) implements Strategy {
            @Override
            public String toString() {
                return rows + " × " + columns + " blocks";
            }
        }
    }

    public static ScaleGrid perTensor(long out, int in) {
        return new ScaleGrid(out, in, 1, 1);
    }

    /**
     * The grid a scale tensor of this shape describes for an {@code [out, in]} weight, checked against the
     * strategy when the config names one ({@code null}: read from the shape alone).
     */
    public static ScaleGrid of(LayerTensors t, Tensor scale, long out, int in, Strategy strategy) {
        long[] d = scale.shape().dims();
        ScaleGrid grid = read(d, scale.shape().elementCount(), out, in, strategy);
        if (grid == null) {
            throw t.invalid("`" + scale.name() + "` has shape " + scale.shape() + ", which is no scale grid of a "
                    + Shape.of(out, in) + " weight" + (strategy == null ? "" : " for " + strategy));
        }
        if (strategy != null && !grid.fits(strategy)) {
            throw t.invalid("`" + scale.name() + "` has shape " + scale.shape() + ", " + grid.describe()
                    + ", but the config says " + strategy);
        }
        return grid;
    }

    /** The grid whose scale tensor has dimensions {@code d}, or null when none does. */
    private static ScaleGrid read(long[] d, long elements, long out, int in, Strategy strategy) {
        ScaleGrid grid = switch (strategy) {
            case null -> infer(d, elements, out, in);
            case Strategy.PerTensor p -> perTensor(out, in);
            case Strategy.PerChannel p -> new ScaleGrid(1, in, out, 1);
            case Strategy.PerGroup g -> new ScaleGrid(1, g.size(), out, (int) Layouts.ceilDiv(in, g.size()));
            case Strategy.PerBlock b -> new ScaleGrid(b.rows(), b.columns(), Layouts.ceilDiv(out, b.rows()),
                    (int) Layouts.ceilDiv(in, b.columns()));
        };
        return grid != null && grid.matches(d, elements) ? grid : null;
    }

    /** The grid a shape implies by itself: one value per tensor, one per row, per group of a row, or blocks. */
    private static ScaleGrid infer(long[] d, long elements, long out, int in) {
        if (elements == 1) {
            return perTensor(out, in);
        }
        if ((d.length == 1 && d[0] == out) || (d.length == 2 && d[0] == out && d[1] == 1)) {
            return new ScaleGrid(1, in, out, 1);
        }
        if (d.length != 2 || d[0] < 1 || d[1] < 1 || d[1] > in) {
            return null;
        }
        long br = Layouts.blockLength(out, d[0]);
        int bc = (int) Layouts.blockLength(in, d[1]);
        return new ScaleGrid(br, bc, Layouts.ceilDiv(out, br), (int) Layouts.ceilDiv(in, bc));
    }

    /**
     * Whether a scale tensor of dimensions {@code d} holds this grid: {@code [rows, columns]}, and the usual
     * other spellings of one value ({@code []}, {@code [1]}) and of one per row ({@code [rows]}).
     */
    private boolean matches(long[] d, long elements) {
        if (elements != rows * columns) {
            return false;
        }
        return switch (d.length) {
            case 0 -> true;
            case 1 -> columns == 1;
            case 2 -> d[0] == rows && d[1] == columns;
            default -> false;
        };
    }

    private boolean fits(Strategy s) {
        return switch (s) {
            case Strategy.PerTensor p -> rows == 1 && columns == 1;
            case Strategy.PerChannel p -> blockRows == 1 && columns == 1;
            case Strategy.PerGroup g -> blockRows == 1 && blockColumns == g.size();
            case Strategy.PerBlock b -> blockRows == b.rows() && blockColumns == b.columns();
        };
    }

    /** Whether this is one scale per {@code 1 × g} group of a row (including per channel). */
    public boolean rowwise() {
        return blockRows == 1;
    }

    public String describe() {
        if (rows == 1 && columns == 1) {
            return "one scale per tensor";
        }
        if (blockRows == 1) {
            return columns == 1 ? "one scale per row" : "one scale per " + blockColumns + " columns of a row";
        }
        return "one scale per " + blockRows + " × " + blockColumns + " block";
    }
}
