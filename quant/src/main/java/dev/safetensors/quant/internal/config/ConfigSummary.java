package dev.safetensors.quant.internal.config;

import java.util.stream.Collectors;

/** A config in one line, for {@code inspect} and detection reports. */
public final class ConfigSummary {
    private ConfigSummary() {
    }

    public static String of(QuantConfig config) {
        return switch (config) {
            case QuantConfig.Gptq g -> "gptq " + (g.v2() ? "v2" : "v1") + ", " + g.bits() + "-bit, " + group(g.groupSize())
                    + (g.descAct() ? ", act-order" : "") + (g.symmetric() ? ", symmetric" : ", asymmetric");
            case QuantConfig.Awq a -> "awq " + a.version() + ", " + a.bits() + "-bit, " + group(a.groupSize())
                    + (a.zeroPoint() ? ", zero points" : "");
            case QuantConfig.Fp8 f -> f.method() + ", e4m3, " + (f.blockSize().isEmpty() ? "per channel"
                    : f.blockSize().get(0) + " × " + f.blockSize().get(1) + " blocks");
            case QuantConfig.Mxfp4 m -> "mxfp4, blocks of 32 (GPT-OSS experts)";
            case QuantConfig.ModelOpt m -> "modelopt " + m.quantAlgo() + (m.quantAlgo().contains("NVFP4")
                    ? ", blocks of " + m.groupSize() : "");
            case QuantConfig.CompressedTensors ct -> "compressed-tensors " + ct.format()
                    + (ct.version() == null ? "" : " (" + ct.version() + ")") + ": " + ct.groups().stream()
                    .map(g -> g.name() + " " + g.weights().numBits() + "-bit " + g.weights().type() + " "
                            + g.weights().strategy() + (g.weights().groupSize() != null && g.weights().groupSize() > 0
                            ? " " + g.weights().groupSize() : "") + (g.weights().symmetric() ? " symmetric" : " asymmetric")
                            + " → " + String.join(", ", g.targets()))
                    .collect(Collectors.joining("; "));
            case QuantConfig.BitsAndBytes b -> b.fourBit() ? "bitsandbytes " + b.quantType() + (b.doubleQuant()
                    ? ", double quantization" : "") : "bitsandbytes int8";
            case QuantConfig.Mlx m -> "mlx " + m.mode() + ", " + m.bits() + "-bit, group " + m.groupSize()
                    + (m.layers().isEmpty() ? "" : ", " + m.layers().size() + " per-layer entries");
        };
    }

    private static String group(int size) {
        return size == -1 ? "per channel" : "group " + size;
    }
}
