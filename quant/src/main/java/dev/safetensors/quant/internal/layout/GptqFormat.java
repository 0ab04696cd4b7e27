package dev.safetensors.quant.internal.layout;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.quant.LayerPlan;
import dev.safetensors.quant.QuantScheme;
import dev.safetensors.quant.internal.kernel.BitFields;
import dev.safetensors.quant.internal.kernel.FloatMatrix;
import dev.safetensors.quant.internal.kernel.GptqKernel;
import java.util.List;
import java.util.Map;

/**
 * GPTQ as AutoGPTQ and GPTQModel save it (quant/README.md#layouts-read): {@code qweight} I32 {@code [in × bits / 32, out]},
 * {@code qzeros} I32 {@code [G, out × bits / 32]}, {@code scales} {@code [G, out]}, optional {@code g_idx}
 * I32 {@code [in]}; G = ⌈in / group_size⌉, 1 for group_size −1.
 *
 * @param bits      2, 3, 4 or 8; null to read it from the shapes
 * @param groupSize positive or −1; null to read it from the shapes
 * @param v2        GPTQModel's {@code gptq_v2} format (zero points stored as they are; v1 stores zero − 1)
 * @param symmetric the config's {@code sym}
 * @param descAct   the config's {@code desc_act}
 */
public record GptqFormat(Integer bits, Integer groupSize, boolean v2, boolean symmetric, boolean descAct)
        implements LayerFormat {

    private static final List<Role> ROLES = List.of(Role.required("qweight"), Role.required("qzeros"),
            Role.required("scales"), Role.optional("g_idx"));

    @Override
    public QuantScheme scheme() {
        return QuantScheme.GPTQ;
    }

    @Override
    public String format() {
        return v2 ? "gptq v2" : "gptq v1";
    }

    @Override
    public List<Role> roles() {
        return ROLES;
    }

    @Override
    public LayerPlan plan(String layer, Map<String, String> tensors) {
        return plan(layer, tensors, bits == null ? 0 : bits, groupSize == null ? 0 : groupSize, 1, symmetric,
                descAct, null);
    }

    @Override
    public BuiltLayer build(LayerTensors t) {
        Tensor qweight = t.dtype(t.get("qweight"), DType.I32, DType.U32);
        Tensor scales = t.dtype(t.get("scales"), DType.F16, DType.BF16, DType.F32);
        Tensor qzeros = t.dtype(t.get("qzeros"), DType.I32, DType.U32);
        Tensor gIdx = t.find("g_idx").map(g -> t.dtype(g, DType.I32, DType.I64)).orElse(null);
        long[] q = t.dims(qweight, 2);
        long[] s = t.dims(scales, 2);
        long packedRows = q[0];
        long out = q[1];
        if (s[1] != out) {
            String hint = s[1] == out * 8 ? " (scales 8× wider than qweight is AWQ's layout, not GPTQ's)" : "";
            throw t.invalid("`" + scales.name() + "` has shape " + scales.shape() + " but `" + qweight.name()
                    + "` has " + out + " output columns" + hint);
        }
        long groups = s[0];
        long in = gIdx != null ? t.dims(gIdx, 1)[0] : -1;
        int b = bits != null ? bits : inferBits(t, qweight, qzeros, packedRows, in, out);
        if (b != 2 && b != 3 && b != 4 && b != 8) {
            throw t.invalid("bits " + b + ": GPTQ packs 2, 3, 4 or 8 bits");
        }
        if (packedRows * 32 % b != 0 || (b == 3 && packedRows % 3 != 0)) {
            throw t.invalid("`" + qweight.name() + "` has " + packedRows + " rows; " + b + "-bit GPTQ packs "
                    + (b == 3 ? "32 inputs into 3 words, so the rows must be a multiple of 3" : 32 / b
                    + " inputs per word"));
        }
        long packedIn = packedRows * 32 / b;
        if (in < 0) {
            in = packedIn;
        } else if (in != packedIn) {
            throw t.invalid("`" + gIdx.name() + "` has " + in + " inputs but `" + qweight.name() + "` packs "
                    + packedIn + " at " + b + " bits");
        }
        if (in < 1 || in > Layouts.MAX_COLUMNS || out < 1 || out > Integer.MAX_VALUE) {
            throw t.invalid("a layer of " + out + " × " + in + " is outside 1.." + Layouts.MAX_COLUMNS + " inputs");
        }
        if (groups < 1) {
            throw t.invalid("`" + scales.name() + "` has no groups");
        }
        int gs = groupSize != null ? groupSize : (groups == 1 ? -1 : (int) Layouts.blockLength(in, groups));
        if (gs == 0 || gs < -1) {
            throw t.invalid("group_size " + gs + " must be positive or -1");
        }
        long expectedGroups = gs == -1 ? 1 : Layouts.ceilDiv(in, gs);
        if (groups != expectedGroups) {
            throw t.invalid("`" + scales.name() + "` has " + groups + " groups; group_size " + gs + " over " + in
                    + " inputs needs " + expectedGroups);
        }
        t.shape(qzeros, b + "-bit zero points for " + groups + " groups of " + out + " outputs", groups,
                BitFields.denseWords(out, b));
        int effectiveGroup = gs == -1 ? (int) in : gs;
        int[] groupIndex = gIdx == null ? null : groupIndex(t, gIdx, (int) in, (int) groups, effectiveGroup);
        FloatMatrix scaleMatrix = FloatMatrix.of(scales.data(), scales.dtype(), groups, (int) out);
        GptqKernel kernel = new GptqKernel(qweight.data(), out, (int) in, b, qzeros.data(),
                BitFields.denseWords(out, b), v2 ? 0 : 1, scaleMatrix, effectiveGroup, groupIndex);
        Shape shape = Shape.of(out, in);
        LayerPlan plan = plan(t.layer(), t.names(), b, gs, 1, symmetric, descAct || groupIndex != null, shape);
        return new BuiltLayer(plan, kernel, t.layer() + ".weight", shape, false);
    }

    /**
     * Bits from the packed sizes when no config gives them: qzeros' width, checked against qweight's rows (16
     * outputs take 2 zero words at 3 bits and at 4), the commonest width first where both still fit.
     */
    private static int inferBits(LayerTensors t, Tensor qweight, Tensor qzeros, long packedRows, long in, long out) {
        if (in > 0 && packedRows * 32 % in == 0) {
            return (int) (packedRows * 32 / in);
        }
        long zeroWords = t.dims(qzeros, 2)[1];
        for (int b : new int[] {4, 8, 2, 3}) {
            boolean rowsFit = b == 3 ? packedRows % 3 == 0 : true;
            if (rowsFit && BitFields.denseWords(out, b) == zeroWords) {
                return b;
            }
        }
        throw t.invalid("no bit width fits `" + qweight.name() + "` " + qweight.shape() + " and `" + qzeros.name()
                + "` " + qzeros.shape());
    }

    /** g_idx, checked to lie in [0, groups); null when it is the default k / groupSize. */
    private static int[] groupIndex(LayerTensors t, Tensor gIdx, int in, int groups, int groupSize) {
        long[] values = gIdx.toLongArray();
        int[] index = new int[in];
        boolean trivial = true;
        for (int k = 0; k < in; k++) {
            long g = values[k];
            if (g < 0 || g >= groups) {
                throw t.invalid("`" + gIdx.name() + "`[" + k + "] = " + g + " is outside the " + groups
                        + " groups [0, " + groups + ")");
            }
            index[k] = (int) g;
            trivial &= g == k / groupSize;
        }
        return trivial ? null : index;
    }
}
