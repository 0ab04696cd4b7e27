package dev.safetensors.quant.internal.layout;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.quant.LayerPlan;
import dev.safetensors.quant.QuantScheme;
import dev.safetensors.quant.internal.kernel.ByteCodeKernel;
import dev.safetensors.quant.internal.kernel.Codebook;
import dev.safetensors.quant.internal.kernel.FloatMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@code [out, in]} weight of one-byte codes (F8_E4M3, F8_E5M2, I8) and a grid of scales beside it,
 * optionally zero points of the same shape: {@code w = (v(q) − zero) × scale / divisor}. DeepSeek-style block
 * FP8 ({@code weight_scale_inv}, multiplied despite its name), ModelOpt FP8, compressed-tensors
 * float-quantized, int-quantized and naive-quantized, MXFP8 (E8M0 scales per 32), LLM.int8 ({@code SCB}, divisor
 * 127).
 *
 * @param scheme      FP8, INT or BNB_INT8
 * @param format      the layout's name for plans and messages
 * @param weightTypes the code dtypes accepted
 * @param scaleRole   the scale tensor's role, the layer's anchor
 * @param zeroPoints  whether a {@code weight_zero_point} may sit beside the scale
 * @param divisor     what every scale is divided by (127 for LLM.int8's absmax, else 1)
 * @param strategy    what the config says the scale grid is, or null to read it from the shape
 * @param auxiliary   activation-quantization tensors that belong to the layer and leave with it
 */
public record ScaledByteFormat(QuantScheme scheme, String format, List<DType> weightTypes, String scaleRole,
        boolean zeroPoints, float divisor, ScaleGrid.Strategy strategy, List<String> auxiliary) implements LayerFormat {

    @Override
    public List<Role> roles() {
        List<Role> roles = new ArrayList<>(List.of(Role.required(scaleRole), Role.required("weight")));
        if (zeroPoints) {
            roles.add(Role.optional("weight_zero_point"));
        }
        auxiliary.forEach(a -> roles.add(Role.optional(a)));
        return roles;
    }

    @Override
    public LayerPlan plan(String layer, Map<String, String> tensors) {
        int group = strategy instanceof ScaleGrid.Strategy.PerGroup g ? g.size()
                : strategy instanceof ScaleGrid.Strategy.PerBlock b ? b.columns() : -1;
        long blockRows = strategy instanceof ScaleGrid.Strategy.PerBlock b ? b.rows() : 1;
        return plan(layer, tensors, 8, group, blockRows, !tensors.containsKey("weight_zero_point"), false, null);
    }

    @Override
    public BuiltLayer build(LayerTensors t) {
        Tensor weight = t.dtype(t.get("weight"), weightTypes.toArray(DType[]::new));
        Tensor scale = t.dtype(t.get(scaleRole), DType.F32, DType.F16, DType.BF16, DType.F64, DType.U8, DType.F8_E8M0);
        long[] w = t.dims(weight, 2);
        long out = w[0];
        long in = w[1];
        if (in < 1 || in > Layouts.MAX_COLUMNS || out < 1) {
            throw t.invalid("a layer of " + out + " × " + in + " is outside 1.." + Layouts.MAX_COLUMNS + " inputs");
        }
        ScaleGrid grid = ScaleGrid.of(t, scale, out, (int) in, strategy);
        FloatMatrix scales = scale.dtype().bits() == 8
                ? FloatMatrix.codes(scale.data(), DType.F8_E8M0, grid.rows(), grid.columns())
                : FloatMatrix.of(scale.data(), scale.dtype(), grid.rows(), grid.columns());
        if (divisor != 1f) {
            scales = scales.folded(FloatMatrix.Fold.DIVIDE, divisor);
        }
        FloatMatrix zeros = null;
        Tensor zero = t.find("weight_zero_point").orElse(null);
        if (zero != null) {
            t.dtype(zero, DType.I8, DType.U8, DType.F32, DType.F16, DType.BF16, DType.F8_E4M3);
            if (zero.shape().elementCount() != scale.shape().elementCount()) {
                throw t.invalid("`" + zero.name() + "` has shape " + zero.shape() + " but `" + scale.name() + "` has "
                        + scale.shape() + "; zero points pair with scales");
            }
            zeros = FloatMatrix.of(zero.data(), zero.dtype(), grid.rows(), grid.columns());
        }
        ByteCodeKernel kernel = new ByteCodeKernel(weight.data(), Codebook.bytes(weight.dtype()), out, (int) in,
                grid.blockRows(), grid.blockColumns(), scales, zeros);
        int group = grid.blockColumns() == in ? -1 : grid.blockColumns();
        Shape shape = Shape.of(out, in);
        LayerPlan plan = plan(t.layer(), t.names(), 8, group, grid.blockRows(), zeros == null, false, shape);
        return new BuiltLayer(plan, kernel, t.layer() + ".weight", shape, false);
    }
}
