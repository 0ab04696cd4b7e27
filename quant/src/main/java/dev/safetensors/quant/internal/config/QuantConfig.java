package dev.safetensors.quant.internal.config;

import java.util.List;
import java.util.Map;

/**
 * A checkpoint's quantization config as read from {@code config.json} ({@code quantization_config}, MLX's
 * top-level {@code quantization}), {@code quantize_config.json}, {@code quant_config.json} or
 * {@code hf_quant_config.json}: one record per method, holding what the layouts need.
 */
public sealed interface QuantConfig {
    /** The file it came from. */
    String source();

    /** The {@code quant_method} as written (MLX: {@code mlx}). */
    String method();

    /** The modules the config excludes. */
    ModulePatterns ignore();

    /** GPTQ (AutoGPTQ, GPTQModel, transformers). {@code groupSize} −1 is one group per row. */
    record Gptq(String source, int bits, int groupSize, boolean descAct, boolean symmetric, boolean v2,
            ModulePatterns ignore) implements QuantConfig {
        public String method() {
            return "gptq";
        }
    }

    /** AutoAWQ, GEMM layout. */
    record Awq(String source, int bits, int groupSize, boolean zeroPoint, String version, ModulePatterns ignore)
            implements QuantConfig {
        public String method() {
            return "awq";
        }
    }

    /**
     * transformers' {@code fp8} (DeepSeek-V3 style: {@code weight_scale_inv} per {@code blockSize} block) and
     * {@code fbgemm_fp8} ({@code weight_scale} per row). {@code blockSize} is empty when the config gives none.
     */
    record Fp8(String source, String method, List<Integer> blockSize, ModulePatterns ignore) implements QuantConfig {
    }

    /** GPT-OSS's {@code mxfp4}. */
    record Mxfp4(String source, ModulePatterns ignore) implements QuantConfig {
        public String method() {
            return "mxfp4";
        }
    }

    /** NVIDIA ModelOpt: {@code quant_algo} NVFP4, W4A16_NVFP4, FP8, FP8_PER_CHANNEL_PER_TOKEN or FP8_PB_WO. */
    record ModelOpt(String source, String quantAlgo, int groupSize, ModulePatterns ignore) implements QuantConfig {
        public String method() {
            return "modelopt";
        }
    }

    /** compressed-tensors: the global format, the version that wrote it, and the config groups. */
    record CompressedTensors(String source, String format, String version, List<CtGroup> groups,
            ModulePatterns ignore) implements QuantConfig {
        public String method() {
            return "compressed-tensors";
        }
    }

    /**
     * One of compressed-tensors' {@code config_groups}: its targets (module names, {@code re:} regexes or
     * class names such as {@code Linear}), its own format when the global one is {@code mixed-precision}, and
     * its weight arguments.
     */
    record CtGroup(String name, List<String> targets, String format, CtWeights weights) {
    }

    /** compressed-tensors {@code QuantizationArgs} for weights ({@code quantization/quant_args.py}). */
    record CtWeights(int numBits, String type, boolean symmetric, String strategy, Integer groupSize,
            List<Integer> blockStructure, String actorder, String scaleDtype) {
    }

    /** bitsandbytes: 4-bit (NF4 or FP4, maybe double-quantized) or LLM.int8. */
    record BitsAndBytes(String source, boolean fourBit, String quantType, boolean doubleQuant, ModulePatterns ignore)
            implements QuantConfig {
        public String method() {
            return "bitsandbytes";
        }
    }

    /**
     * MLX: {@code bits}, {@code group_size}, {@code mode} (affine, mxfp4, nvfp4) and per-layer overrides
     * (a layer path mapped to its own {@code {bits, group_size}}, or to {@code false} for unquantized).
     */
    record Mlx(String source, int bits, int groupSize, String mode, Map<String, MlxLayer> layers) implements QuantConfig {
        public String method() {
            return "mlx";
        }

        public ModulePatterns ignore() {
            return ModulePatterns.NONE;
        }
    }

    /** An MLX per-layer entry: its bits and group size, or not quantized. */
    record MlxLayer(boolean quantized, int bits, int groupSize) {
    }
}
