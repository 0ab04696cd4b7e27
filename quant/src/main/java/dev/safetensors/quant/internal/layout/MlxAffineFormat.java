package dev.safetensors.quant.internal.layout;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.quant.LayerPlan;
import dev.safetensors.quant.QuantScheme;
import dev.safetensors.quant.internal.kernel.FloatMatrix;
import dev.safetensors.quant.internal.kernel.IntOffset;
import dev.safetensors.quant.internal.kernel.PackedRowKernel;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * MLX affine quantization (quant/README.md#layouts-read): {@code weight} U32 {@code [..., out, in × bits / 32]}, {@code scales}
 * and {@code biases} {@code [..., out, in / group_size]} in the model's float dtype, {@code w = scale × q + bias}
 * ({@code mlx.core.dequantize}). Each row is one little-endian bit stream, value {@code i} at bit
 * {@code i × bits}: MLX's CPU kernels read 2-, 4- and 8-bit codes LSB-first within each byte and 3-, 5- and
 * 6-bit codes from 3- and 5-byte packs in the same order ({@code mlx/backend/cpu/quantized.cpp},
 * {@code extract_bits}). Leading dimensions (stacked experts) are kept.
 *
 * @param bits      2, 3, 4, 5, 6 or 8; null to read it from the shapes
 * @param groupSize 32, 64 or 128 in practice; null to read it from the shapes (64 first, MLX's default)
 */
public record MlxAffineFormat(Integer bits, Integer groupSize) implements LayerFormat {
    private static final List<Role> ROLES = List.of(Role.required("scales"), Role.required("biases"),
            Role.required("weight"));

    @Override
    public QuantScheme scheme() {
        return QuantScheme.MLX_AFFINE;
    }

    @Override
    public String format() {
        return "mlx affine";
    }

    @Override
    public List<Role> roles() {
        return ROLES;
    }

    @Override
    public LayerPlan plan(String layer, Map<String, String> tensors) {
        return plan(layer, tensors, bits == null ? 0 : bits, groupSize == null ? 0 : groupSize, 1, false, false, null);
    }

    @Override
    public BuiltLayer build(LayerTensors t) {
        Tensor weight = t.dtype(t.get("weight"), DType.U32, DType.I32);
        Tensor scales = t.dtype(t.get("scales"), DType.F16, DType.BF16, DType.F32);
        Tensor biases = t.dtype(t.get("biases"), DType.F16, DType.BF16, DType.F32);
        long[] w = t.dims(weight, 2, 3);
        long[] s = scales.shape().dims();
        int rank = w.length;
        if (s.length != rank || !Arrays.equals(Arrays.copyOf(s, rank - 1), Arrays.copyOf(w, rank - 1))) {
            throw t.invalid("`" + scales.name() + "` " + scales.shape() + " must match `" + weight.name() + "` "
                    + weight.shape() + " in all but the last dimension");
        }
        t.shape(biases, "one bias per scale", s);
        long words = w[rank - 1];
        long groups = s[rank - 1];
        int[] bg = bitsAndGroup(t, weight, words, groups);
        int b = bg[0];
        int gs = bg[1];
        long in = groups * gs;
        long rows = Layouts.product(w, rank - 1);
        if (in < 1 || in > Layouts.MAX_COLUMNS || rows < 1) {
            throw t.invalid("a layer of " + rows + " × " + in + " is outside 1.." + Layouts.MAX_COLUMNS + " inputs");
        }
        FloatMatrix scaleMatrix = FloatMatrix.of(scales.data(), scales.dtype(), rows, (int) groups);
        FloatMatrix biasMatrix = FloatMatrix.of(biases.data(), biases.dtype(), rows, (int) groups);
        PackedRowKernel kernel = new PackedRowKernel(weight.data(), rows, (int) in, b, true, words, gs, null,
                scaleMatrix, new IntOffset.Biases(biasMatrix));
        long[] logical = w.clone();
        logical[rank - 1] = in;
        Shape shape = Shape.of(logical);
        return new BuiltLayer(plan(t.layer(), t.names(), b, gs, 1, false, false, shape), kernel,
                t.layer() + ".weight", shape, false);
    }

    /** Bits and group size: as configured, checked against the packed width; or the first pair that fits. */
    private int[] bitsAndGroup(LayerTensors t, Tensor weight, long words, long groups) {
        int[] groupChoices = groupSize != null ? new int[] {groupSize} : new int[] {64, 32, 128};
        int[] bitChoices = bits != null ? new int[] {bits} : new int[] {4, 8, 2, 3, 6, 5};
        for (int gs : groupChoices) {
            for (int b : bitChoices) {
                if (gs > 0 && b >= 1 && b <= 8 && words * 32 == groups * gs * b) {
                    return new int[] {b, gs};
                }
            }
        }
        throw t.invalid("`" + weight.name() + "` has " + words + " words per row and " + groups + " groups; "
                + (bits != null && groupSize != null ? bits + "-bit codes in groups of " + groupSize + " need "
                + Layouts.ceilDiv(groups * groupSize * bits, 32) + " words" : "no bit width and group size fit"));
    }
}
