package dev.safetensors.quant.internal.detect;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.quant.internal.config.QuantConfig;
import dev.safetensors.quant.internal.layout.Fp4Format;
import dev.safetensors.quant.internal.layout.LayerFormat;
import dev.safetensors.quant.internal.layout.MlxAffineFormat;

/**
 * MLX's {@code quantization}: one mode, bits and group size for the model, and per-layer entries that
 * override them (mlx_lm's mixed quantization writes a layer's path with its own {@code bits} and
 * {@code group_size}). Every quantized layer has {@code scales}, so that is the anchor.
 */
final class MlxLayers {
    private MlxLayers() {
    }

    static Candidate candidate(QuantConfig.Mlx m) {
        LayerFormat model = format(m, m.bits(), m.groupSize());
        return new Candidate(".scales", layer -> {
            QuantConfig.MlxLayer own = m.layers().get(layer);
            return own != null && own.quantized() ? format(m, own.bits(), own.groupSize()) : model;
        });
    }

    private static LayerFormat format(QuantConfig.Mlx m, int bits, int groupSize) {
        return switch (m.mode()) {
            case "mxfp4" -> fp4(m, bits, groupSize, 32, Fp4Format.Variant.MLX_MXFP4);
            case "nvfp4" -> fp4(m, bits, groupSize, 16, Fp4Format.Variant.MLX_NVFP4);
            default -> new MlxAffineFormat(bits, groupSize);
        };
    }

    private static LayerFormat fp4(QuantConfig.Mlx m, int bits, int groupSize, int block, Fp4Format.Variant variant) {
        if (bits != 4 || groupSize != block) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidQuantization, m.source(), "MLX mode "
                    + m.mode() + " has 4 bits in groups of " + block + ", the config says " + bits + " bits in groups of "
                    + groupSize);
        }
        return new Fp4Format(variant);
    }
}
