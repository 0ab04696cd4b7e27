package dev.safetensors.quant.internal.layout;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.quant.LayerPlan;
import dev.safetensors.quant.QuantScheme;
import dev.safetensors.quant.internal.kernel.AwqKernel;
import dev.safetensors.quant.internal.kernel.FloatMatrix;
import java.util.List;
import java.util.Map;

/**
 * AutoAWQ's GEMM layout (quant/README.md#layouts-read; compressed-tensors {@code entrypoints/convert/converters/autoawq.py}):
 * {@code qweight} I32 {@code [in, out / 8]}, {@code qzeros} I32 {@code [in / g, out / 8]}, {@code scales}
 * {@code [in / g, out]}, 4 bits.
 *
 * @param groupSize positive, or −1 for one group; null to read it from the shapes
 */
public record AwqFormat(Integer groupSize) implements LayerFormat {
    private static final List<Role> ROLES = List.of(Role.required("qweight"), Role.required("qzeros"),
            Role.required("scales"));

    @Override
    public QuantScheme scheme() {
        return QuantScheme.AWQ;
    }

    @Override
    public String format() {
        return "awq gemm";
    }

    @Override
    public List<Role> roles() {
        return ROLES;
    }

    @Override
    public LayerPlan plan(String layer, Map<String, String> tensors) {
        return plan(layer, tensors, 4, groupSize == null ? 0 : groupSize, 1, false, false, null);
    }

    @Override
    public BuiltLayer build(LayerTensors t) {
        Tensor qweight = t.dtype(t.get("qweight"), DType.I32, DType.U32);
        Tensor qzeros = t.dtype(t.get("qzeros"), DType.I32, DType.U32);
        Tensor scales = t.dtype(t.get("scales"), DType.F16, DType.BF16, DType.F32);
        long[] q = t.dims(qweight, 2);
        long[] s = t.dims(scales, 2);
        long in = q[0];
        long out = q[1] * 8;
        if (s[1] != out) {
            String hint = s[1] == q[1] ? " (scales as wide as qweight is GPTQ's layout, not AWQ's)" : "";
            throw t.invalid("`" + scales.name() + "` has shape " + scales.shape() + "; `" + qweight.name() + "` "
                    + qweight.shape() + " packs 8 outputs per word, so " + out + " outputs" + hint);
        }
        if (in < 1 || in > Layouts.MAX_COLUMNS || out < 1 || out > Integer.MAX_VALUE) {
            throw t.invalid("a layer of " + out + " × " + in + " is outside 1.." + Layouts.MAX_COLUMNS + " inputs");
        }
        long groups = s[0];
        if (groups < 1) {
            throw t.invalid("`" + scales.name() + "` has no groups");
        }
        int gs = groupSize != null ? groupSize : (groups == 1 ? -1 : (int) Layouts.blockLength(in, groups));
        if (gs == 0 || gs < -1) {
            throw t.invalid("group_size " + gs + " must be positive or -1");
        }
        int effective = gs == -1 ? (int) in : gs;
        if (groups != Layouts.ceilDiv(in, effective)) {
            throw t.invalid("`" + scales.name() + "` has " + groups + " groups; group_size " + gs + " over " + in
                    + " inputs needs " + Layouts.ceilDiv(in, effective));
        }
        t.shape(qzeros, "zero points for " + groups + " groups of " + out + " outputs", groups, q[1]);
        FloatMatrix scaleMatrix = FloatMatrix.of(scales.data(), scales.dtype(), groups, (int) out);
        AwqKernel kernel = new AwqKernel(qweight.data(), out, (int) in, qzeros.data(), scaleMatrix, effective);
        Shape shape = Shape.of(out, in);
        return new BuiltLayer(plan(t.layer(), t.names(), 4, gs, 1, false, false, shape), kernel,
                t.layer() + ".weight", shape, false);
    }
}
