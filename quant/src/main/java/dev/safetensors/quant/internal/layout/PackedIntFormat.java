package dev.safetensors.quant.internal.layout;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.quant.LayerPlan;
import dev.safetensors.quant.QuantScheme;
import dev.safetensors.quant.internal.kernel.BitFields;
import dev.safetensors.quant.internal.kernel.FloatMatrix;
import dev.safetensors.quant.internal.kernel.IntOffset;
import dev.safetensors.quant.internal.kernel.PackedRowKernel;
import java.util.List;
import java.util.Map;

/**
 * compressed-tensors {@code pack-quantized} (quant/README.md#layouts-read; {@code compressors/pack_quantized/}):
 * {@code weight_packed} I32 {@code [out, words]} holding {@code u = q + 2^(b−1)} along each row,
 * {@code weight_shape} {@code [out, in]}, {@code weight_scale} per group, channel or tensor, for asymmetric
 * weights {@code weight_zero_point} packed the same way along the output dimension ({@code [words, groups]}),
 * and {@code weight_g_idx} for act-order groups. {@code w = (u − u_zero) × scale}.
 *
 * <p>Packing changed in compressed-tensors 0.17.0 (PR #715, 2026-05-29): from {@code 32 / b} values per word
 * with the top bits unused to one dense bit stream. The two agree for 1, 2, 4 and 8 bits. The packed width
 * tells them apart whenever the two formulas give different widths; only when they coincide does the
 * config's {@code version} decide (no version: the older packing, which predates the field).
 *
 * @param bits      1 to 8; null to read it from the shapes
 * @param strategy  the config's weight strategy, or null to read it from the scale's shape
 * @param symmetric the config's {@code symmetric}; asymmetric layers carry zero points
 * @param denseWhenAmbiguous whether the config's version is 0.17.0 or later
 */
public record PackedIntFormat(Integer bits, ScaleGrid.Strategy strategy, boolean symmetric,
        boolean denseWhenAmbiguous) implements LayerFormat {

    private static final List<Role> ROLES = List.of(Role.required("weight_packed"), Role.required("weight_scale"),
            Role.required("weight_shape"), Role.optional("weight_zero_point"), Role.optional("weight_g_idx"),
            Role.optional("input_global_scale"));

    @Override
    public QuantScheme scheme() {
        return QuantScheme.INT;
    }

    @Override
    public String format() {
        return "compressed-tensors pack-quantized";
    }

    @Override
    public List<Role> roles() {
        return ROLES;
    }

    @Override
    public LayerPlan plan(String layer, Map<String, String> tensors) {
        int group = strategy instanceof ScaleGrid.Strategy.PerGroup g ? g.size() : -1;
        return plan(layer, tensors, bits == null ? 0 : bits, group, 1, symmetric, tensors.containsKey("weight_g_idx"),
                null);
    }

    @Override
    public BuiltLayer build(LayerTensors t) {
        Tensor packed = t.dtype(t.get("weight_packed"), DType.I32, DType.U32);
        Tensor scale = t.dtype(t.get("weight_scale"), DType.F32, DType.F16, DType.BF16);
        Tensor shapeTensor = t.dtype(t.get("weight_shape"), DType.I64, DType.I32, DType.U64, DType.U32);
        long[] p = t.dims(packed, 2);
        long[] logical = shapeTensor.shape().elementCount() == 2 ? shapeTensor.toLongArray() : null;
        if (logical == null || logical[0] != p[0] || logical[1] < 1 || logical[1] > Layouts.MAX_COLUMNS) {
            throw t.invalid("`" + shapeTensor.name() + "` must hold [out, in] with out = " + p[0] + " (the rows of `"
                    + packed.name() + "`) and 1 ≤ in ≤ " + Layouts.MAX_COLUMNS + ", found "
                    + (logical == null ? shapeTensor.shape() + " values" : java.util.Arrays.toString(logical)));
        }
        long out = logical[0];
        int in = (int) logical[1];
        int b = bits != null ? bits : inferBits(t, packed, p[1], in);
        if (b < 1 || b > 8) {
            throw t.invalid("num_bits " + b + ": pack-quantized holds 1 to 8 bits");
        }
        boolean dense = packing(t, packed, p[1], in, b);
        ScaleGrid grid = ScaleGrid.of(t, scale, out, in, strategy);
        if (!grid.rowwise() && !(grid.rows() == 1 && grid.columns() == 1)) {
            throw Layouts.unsupported(t.source(), "layer `" + t.layer() + "`: pack-quantized with " + grid.describe());
        }
        int groups = grid.columns();
        FloatMatrix scales = FloatMatrix.of(scale.data(), scale.dtype(), grid.rows(), groups);
        if (grid.rows() == 1 && out > 1) {
            scales = scales.repeatedRows(out);
        }
        IntOffset offset = zeroPoints(t, out, groups, b, dense);
        int[] groupIndex = t.find("weight_g_idx").map(g -> groupIndex(t, g, in, groups)).orElse(null);
        PackedRowKernel kernel = new PackedRowKernel(packed.data(), out, in, b, dense, p[1], grid.blockColumns(),
                groupIndex, scales, offset);
        Shape shape = Shape.of(out, in);
        int group = grid.blockColumns() == in ? -1 : grid.blockColumns();
        LayerPlan plan = plan(t.layer(), t.names(), b, group, 1, offset instanceof IntOffset.Constant, groupIndex != null,
                shape);
        return new BuiltLayer(plan, kernel, t.layer() + ".weight", shape, false);
    }

    /** Dense or word-aligned, from the packed width (see the class comment). */
    private boolean packing(LayerTensors t, Tensor packed, long words, int in, int b) {
        long dense = BitFields.denseWords(in, b);
        long aligned = BitFields.alignedWords(in, b);
        if (dense == aligned) {
            if (words != dense) {
                throw t.invalid("`" + packed.name() + "` has " + words + " words per row; " + in + " values of " + b
                        + " bits need " + dense);
            }
            return denseWhenAmbiguous || 32 % b == 0;
        }
        if (words == dense || words == aligned) {
            return words == dense;
        }
        throw t.invalid("`" + packed.name() + "` has " + words + " words per row; " + in + " values of " + b
                + " bits need " + dense + " (dense, compressed-tensors 0.17.0 and later) or " + aligned
                + " (" + 32 / b + " per word, earlier versions)");
    }

    private static int inferBits(LayerTensors t, Tensor packed, long words, int in) {
        for (int b = 1; b <= 8; b++) {
            if (BitFields.denseWords(in, b) == words) {
                return b;
            }
        }
        throw t.invalid("no bit width packs " + in + " values into the " + words + " words per row of `"
                + packed.name() + "`");
    }

    private IntOffset zeroPoints(LayerTensors t, long out, int groups, int b, boolean dense) {
        Tensor zero = t.find("weight_zero_point").orElse(null);
        if (zero == null) {
            return new IntOffset.Constant(1 << (b - 1));
        }
        if (zero.dtype() == DType.I32 || zero.dtype() == DType.U32) {
            long rows = dense ? BitFields.denseWords(out, b) : BitFields.alignedWords(out, b);
            t.shape(zero, b + "-bit zero points packed along " + out + " rows for " + groups + " groups", rows, groups);
            return new IntOffset.PackedZeros(zero.data(), dense, groups);
        }
        // Per-tensor zero points are not packed (compressed-tensors packs them only per group and channel).
        t.dtype(zero, DType.I8, DType.I16);
        if (zero.shape().elementCount() != 1) {
            throw t.invalid("`" + zero.name() + "` has shape " + zero.shape() + "; unpacked zero points are per tensor");
        }
        return new IntOffset.Constant((int) zero.toLongArray()[0] + (1 << (b - 1)));
    }

    static int[] groupIndex(LayerTensors t, Tensor g, int in, int groups) {
        t.dtype(g, DType.I32, DType.I64);
        t.shape(g, "one group index per input", in);
        long[] values = g.toLongArray();
        int[] index = new int[in];
        for (int k = 0; k < in; k++) {
            if (values[k] < 0 || values[k] >= groups) {
                throw t.invalid("`" + g.name() + "`[" + k + "] = " + values[k] + " is outside the " + groups
                        + " groups [0, " + groups + ")");
            }
            index[k] = (int) values[k];
        }
        return index;
    }
}
