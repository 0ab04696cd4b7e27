package dev.safetensors.quant.internal.layout;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.quant.LayerPlan;
import dev.safetensors.quant.QuantScheme;
import dev.safetensors.quant.internal.kernel.FloatMatrix;
import dev.safetensors.quant.internal.kernel.Fp4Kernel;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * E2M1 weights packed two per byte, low nibble first, with block scales (quant/README.md#layouts-read), in each producer's
 * tensor names. MXFP4: blocks of 32, E8M0 scales. NVFP4: blocks of 16, E4M3 scales and a per-tensor F32
 * scale, multiplied (ModelOpt {@code weight_scale_2}, {@code amax / (6 × 448)}) or divided
 * (compressed-tensors {@code weight_global_scale}, {@code 6 × 448 / amax}).
 */
public record Fp4Format(Variant variant) implements LayerFormat {

    /** The producers' layouts. */
    public enum Variant {
        /**
         * GPT-OSS experts (transformers {@code integrations/mxfp4.py}): {@code <x>_blocks} U8 {@code [..., G, 16]},
         * {@code <x>_scales} U8 {@code [..., G]}.
         */
        GPT_OSS(QuantScheme.MXFP4, "gpt-oss mxfp4", 32,
                List.of(new Role("blocks", "_blocks", true), new Role("scales", "_scales", true))),
        /** compressed-tensors {@code mxfp4-pack-quantized}: {@code weight_packed} U8, {@code weight_scale} U8 (E8M0). */
        CT_MXFP4(QuantScheme.MXFP4, "compressed-tensors mxfp4-pack-quantized", 32,
                List.of(Role.required("weight_packed"), Role.required("weight_scale"),
                        Role.optional("input_global_scale"))),
        /** compressed-tensors {@code nvfp4-pack-quantized}: the block scale divided by {@code weight_global_scale}. */
        CT_NVFP4(QuantScheme.NVFP4, "compressed-tensors nvfp4-pack-quantized", 16,
                List.of(Role.required("weight_packed"), Role.required("weight_scale"),
                        Role.required("weight_global_scale"), Role.optional("input_global_scale"))),
        /** NVIDIA ModelOpt: {@code weight} U8, {@code weight_scale} E4M3, times {@code weight_scale_2}. */
        MODELOPT_NVFP4(QuantScheme.NVFP4, "modelopt nvfp4", 16,
                List.of(Role.required("weight_scale_2"), Role.required("weight"), Role.required("weight_scale"),
                        Role.optional("input_scale"))),
        /** MLX {@code mode: mxfp4}: {@code weight} U32 (eight codes per word), {@code scales} U8 (E8M0). */
        MLX_MXFP4(QuantScheme.MXFP4, "mlx mxfp4", 32, List.of(Role.required("scales"), Role.required("weight"))),
        /** MLX {@code mode: nvfp4}: {@code scales} U8 holding E4M3 codes, no per-tensor scale. */
        MLX_NVFP4(QuantScheme.NVFP4, "mlx nvfp4", 16, List.of(Role.required("scales"), Role.required("weight")));

        final QuantScheme scheme;
        final String format;
        final int block;
        final List<Role> roles;

        Variant(QuantScheme scheme, String format, int block, List<Role> roles) {
            this.scheme = scheme;
            this.format = format;
            this.block = block;
            this.roles = roles;
        }
    }

    @Override
    public QuantScheme scheme() {
        return variant.scheme;
    }

    @Override
    public String format() {
        return variant.format;
    }

    @Override
    public List<Role> roles() {
        return variant.roles;
    }

    @Override
    public LayerPlan plan(String layer, Map<String, String> tensors) {
        return plan(layer, tensors, 4, variant.block, 1, true, false, null);
    }

    @Override
    public BuiltLayer build(LayerTensors t) {
        return variant == Variant.GPT_OSS ? gptOss(t) : packedRows(t);
    }

    private BuiltLayer gptOss(LayerTensors t) {
        Tensor blocks = t.dtype(t.get("blocks"), DType.U8);
        Tensor scales = t.dtype(t.get("scales"), DType.U8, DType.F8_E8M0);
        long[] b = t.dims(blocks, 3, 4);
        long[] s = scales.shape().dims();
        long[] leading = Arrays.copyOf(b, b.length - 2);
        if (b[b.length - 1] != 16 || !Arrays.equals(s, Arrays.copyOf(b, b.length - 1))) {
            throw t.invalid("`" + blocks.name() + "` " + blocks.shape() + " and `" + scales.name() + "` "
                    + scales.shape() + " must be [..., G, 16] and [..., G]: 16 bytes of 32 codes per E8M0 scale");
        }
        long groups = b[b.length - 2];
        long columns = groups * 32;
        long rows = Layouts.product(leading, leading.length);
        checkSize(t, rows, columns);
        boolean experts = leading.length == 2;
        if (experts && leading[1] > Layouts.MAX_COLUMNS / 32) {
            // Each expert is written transposed, so its rows become the dense tensor's row length.
            throw t.invalid("experts of " + leading[1] + " rows are more than the " + Layouts.MAX_COLUMNS / 32
                    + " a transposed strip holds");
        }
        FloatMatrix scaleMatrix = FloatMatrix.codes(scales.data(), DType.F8_E8M0, rows, (int) groups);
        Fp4Kernel kernel = new Fp4Kernel(blocks.data(), rows, (int) columns, 32, scaleMatrix);
        long[] logical = Arrays.copyOf(leading, leading.length + 1);
        logical[leading.length] = columns;
        Shape shape = Shape.of(logical);
        // transformers' convert_moe_packed_tensors returns each expert transposed: [E, in, out].
        Shape dense = experts ? Shape.of(leading[0], columns, leading[1]) : shape;
        LayerPlan plan = plan(t.layer(), t.names(), 4, 32, 1, true, false, shape);
        return new BuiltLayer(plan, kernel, t.layer(), dense, experts);
    }

    private BuiltLayer packedRows(LayerTensors t) {
        boolean mlx = variant == Variant.MLX_MXFP4 || variant == Variant.MLX_NVFP4;
        String codesRole = variant == Variant.CT_MXFP4 || variant == Variant.CT_NVFP4 ? "weight_packed" : "weight";
        String scaleRole = mlx ? "scales" : "weight_scale";
        Tensor codes = t.dtype(t.get(codesRole), mlx ? DType.U32 : DType.U8);
        Tensor scale = t.get(scaleRole);
        long[] c = t.dims(codes, 2);
        long rows = c[0];
        long columns = c[1] * (mlx ? 8 : 2);
        checkSize(t, rows, columns);
        int block = variant.block;
        long groups = Layouts.ceilDiv(columns, block);
        t.shape(scale, "one scale per " + block + " of " + columns + " columns", rows, groups);
        FloatMatrix scales = switch (variant) {
            case CT_MXFP4, MLX_MXFP4 -> {
                t.dtype(scale, DType.U8, DType.F8_E8M0);
                yield FloatMatrix.codes(scale.data(), DType.F8_E8M0, rows, (int) groups);
            }
            case MLX_NVFP4 -> {
                t.dtype(scale, DType.U8, DType.F8_E4M3);
                yield FloatMatrix.codes(scale.data(), DType.F8_E4M3, rows, (int) groups);
            }
            case CT_NVFP4 -> FloatMatrix.of(t.dtype(scale, DType.F8_E4M3).data(), DType.F8_E4M3, rows, (int) groups)
                    .folded(FloatMatrix.Fold.DIVIDE, perTensor(t, "weight_global_scale"));
            case MODELOPT_NVFP4 -> FloatMatrix.of(t.dtype(scale, DType.F8_E4M3).data(), DType.F8_E4M3, rows,
                    (int) groups).folded(FloatMatrix.Fold.MULTIPLY, perTensor(t, "weight_scale_2"));
            case GPT_OSS -> throw new AssertionError("GPT-OSS has its own path");
        };
        Fp4Kernel kernel = new Fp4Kernel(codes.data(), rows, (int) columns, block, scales);
        Shape shape = Shape.of(rows, columns);
        return new BuiltLayer(plan(t.layer(), t.names(), 4, block, 1, true, false, shape), kernel,
                t.layer() + ".weight", shape, false);
    }

    private static float perTensor(LayerTensors t, String role) {
        Tensor g = t.dtype(t.get(role), DType.F32, DType.BF16, DType.F16);
        if (g.shape().elementCount() != 1) {
            throw t.invalid("`" + g.name() + "` has shape " + g.shape() + "; a per-tensor scale is one value");
        }
        return g.toFloatArray()[0];
    }

    private static void checkSize(LayerTensors t, long rows, long columns) {
        if (rows < 1 || columns < 2 || columns > Layouts.MAX_COLUMNS) {
            throw t.invalid("a layer of " + rows + " × " + columns + " is outside 2.." + Layouts.MAX_COLUMNS
                    + " inputs");
        }
    }
}
