package dev.safetensors.quant.internal.detect;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.quant.QuantScheme;
import dev.safetensors.quant.internal.config.QuantConfig;
import dev.safetensors.quant.internal.layout.AwqFormat;
import dev.safetensors.quant.internal.layout.Bnb4Format;
import dev.safetensors.quant.internal.layout.Bnb8Format;
import dev.safetensors.quant.internal.layout.Fp4Format;
import dev.safetensors.quant.internal.layout.GptqFormat;
import dev.safetensors.quant.internal.layout.LayerFormat;
import dev.safetensors.quant.internal.layout.LayerTensors;
import dev.safetensors.quant.internal.layout.MlxAffineFormat;
import dev.safetensors.quant.internal.layout.PackedIntFormat;
import dev.safetensors.quant.internal.layout.ScaleGrid;
import dev.safetensors.quant.internal.layout.ScaledByteFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * Which formats to look for: those a config names, with its parameters, or, without a config, every format
 * with its parameters read from the shapes. Candidates whose anchor is another format's companion tensor
 * ({@code scales}, {@code weight_scale}) come last, so the more specific layouts claim their tensors first.
 */
public final class FormatCatalog {
    private static final List<String> FP8_INPUTS = List.of("input_scale", "input_zero_point");

    private FormatCatalog() {
    }

    public static List<Candidate> of(QuantConfig config) {
        return switch (config) {
            case QuantConfig.Gptq g -> List.of(Candidate.of(
                    new GptqFormat(g.bits(), g.groupSize(), g.v2(), g.symmetric(), g.descAct())));
            case QuantConfig.Awq a -> List.of(Candidate.of(new AwqFormat(a.groupSize())));
            case QuantConfig.Fp8 f when f.method().equals("fbgemm_fp8") -> List.of(Candidate.of(fp8("fbgemm fp8",
                    "weight_scale", new ScaleGrid.Strategy.PerChannel(), List.of("input_scale_ub"))));
            case QuantConfig.Fp8 f -> List.of(Candidate.of(fp8("fp8 block (weight_scale_inv)", "weight_scale_inv",
                    f.blockSize().isEmpty() ? null : new ScaleGrid.Strategy.PerBlock(f.blockSize().get(0),
                    f.blockSize().get(1)), FP8_INPUTS)));
            case QuantConfig.Mxfp4 m -> List.of(Candidate.of(new Fp4Format(Fp4Format.Variant.GPT_OSS)));
            case QuantConfig.ModelOpt m -> List.of(Candidate.of(modelOpt(m)));
            case QuantConfig.CompressedTensors ct -> CompressedTensorsGroups.candidates(ct);
            case QuantConfig.BitsAndBytes b -> List.of(Candidate.of(b.fourBit() ? new Bnb4Format(b.quantType())
                    : new Bnb8Format()));
            case QuantConfig.Mlx m -> List.of(MlxLayers.candidate(m));
        };
    }

    /** Every format, parameters from the shapes: for checkpoints without a quantization config. */
    public static List<Candidate> inferred() {
        List<Candidate> all = new ArrayList<>();
        all.add(Candidate.of(new Fp4Format(Fp4Format.Variant.GPT_OSS)));
        all.add(Candidate.of(new ChosenFormat(List.of(new GptqFormat(null, null, false, true, false),
                new AwqFormat(null)), FormatCatalog::gptqOrAwq)));
        Fp4Format ctNvfp4 = new Fp4Format(Fp4Format.Variant.CT_NVFP4);
        Fp4Format ctMxfp4 = new Fp4Format(Fp4Format.Variant.CT_MXFP4);
        PackedIntFormat packed = new PackedIntFormat(null, null, true, true);
        all.add(Candidate.of(new ChosenFormat(List.of(packed, ctNvfp4, ctMxfp4), t -> {
            if (t.get("weight_packed").dtype() == DType.I32) {
                return packed;
            }
            return t.get("weight_scale").dtype() == DType.F8_E4M3 ? ctNvfp4 : ctMxfp4;
        })));
        all.add(Candidate.of(new Fp4Format(Fp4Format.Variant.MODELOPT_NVFP4)));
        all.add(Candidate.of(fp8("fp8 block (weight_scale_inv)", "weight_scale_inv", null, FP8_INPUTS)));
        all.add(Candidate.of(new Bnb8Format()));
        all.add(Candidate.of(new Bnb4Format("nf4")));
        all.add(Candidate.of(new Bnb4Format("fp4")));
        MlxAffineFormat affine = new MlxAffineFormat(null, null);
        Fp4Format mlxMxfp4 = new Fp4Format(Fp4Format.Variant.MLX_MXFP4);
        all.add(Candidate.of(new ChosenFormat(List.of(affine, mlxMxfp4),
                t -> t.find("biases").isPresent() ? affine : mlxMxfp4)));
        LayerFormat fp8 = scaled(QuantScheme.FP8, "fp8", List.of(DType.F8_E4M3, DType.F8_E5M2), null);
        LayerFormat int8 = scaled(QuantScheme.INT, "int8", List.of(DType.I8), null);
        all.add(Candidate.of(new ChosenFormat(List.of(fp8, int8),
                t -> t.get("weight").dtype() == DType.I8 ? int8 : fp8)));
        return List.copyOf(all);
    }

    /** GPTQ's scales are as wide as qweight; AWQ's eight times as wide. */
    private static LayerFormat gptqOrAwq(LayerTensors t) {
        dev.safetensors.Shape q = t.get("qweight").shape();
        dev.safetensors.Shape s = t.get("scales").shape();
        boolean awq = q.rank() == 2 && s.rank() == 2 && s.dim(1) == q.dim(1) * 8 && s.dim(1) != q.dim(1);
        return awq ? new AwqFormat(null) : new GptqFormat(null, null, false, true, false);
    }

    private static LayerFormat modelOpt(QuantConfig.ModelOpt m) {
        return switch (m.quantAlgo()) {
            case "NVFP4", "W4A16_NVFP4" -> {
                if (m.groupSize() != 16) {
                    throw new SafeTensorsException(SafeTensorsException.Kind.UnsupportedQuantization, m.source(),
                            "ModelOpt NVFP4 with group_size " + m.groupSize() + "; NVFP4 blocks are 16");
                }
                yield new Fp4Format(Fp4Format.Variant.MODELOPT_NVFP4);
            }
            case "FP8" -> fp8("modelopt fp8", "weight_scale", new ScaleGrid.Strategy.PerTensor(), List.of("input_scale"));
            case "FP8_PER_CHANNEL_PER_TOKEN" -> fp8("modelopt fp8 per channel", "weight_scale",
                    new ScaleGrid.Strategy.PerChannel(), List.of("input_scale"));
            default -> fp8("modelopt fp8 per block", "weight_scale", null, List.of("input_scale"));
        };
    }

    static ScaledByteFormat fp8(String name, String scaleRole, ScaleGrid.Strategy strategy, List<String> auxiliary) {
        return new ScaledByteFormat(QuantScheme.FP8, name, List.of(DType.F8_E4M3, DType.F8_E5M2), scaleRole, false, 1f,
                strategy, auxiliary);
    }

    static ScaledByteFormat scaled(QuantScheme scheme, String name, List<DType> codes, ScaleGrid.Strategy strategy) {
        return new ScaledByteFormat(scheme, name, codes, "weight_scale", true, 1f, strategy, FP8_INPUTS);
    }
}
