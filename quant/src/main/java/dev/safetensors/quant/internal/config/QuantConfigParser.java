package dev.safetensors.quant.internal.config;

import dev.safetensors.SafeTensorsException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Finds and reads the quantization config among a checkpoint's JSON files ({@link ConfigFiles}):
 * {@code config.json}'s {@code quantization_config} first, MLX's {@code quantization}, then
 * {@code quantize_config.json} (GPTQ, AWQ), {@code quant_config.json} (AutoAWQ) and {@code hf_quant_config.json}
 * (ModelOpt). Values are checked here, once: bits, group sizes and block sizes that no layout could hold are
 * an {@code InvalidQuantization} naming the file and the key; a method or format this library does not read
 * is an {@code UnsupportedQuantization} naming it.
 */
public final class QuantConfigParser {
    static final String READS = "gptq, awq, fp8, fbgemm_fp8, mxfp4, modelopt, compressed-tensors, bitsandbytes and MLX";

    private QuantConfigParser() {
    }

    /** The config among {@code files}, or empty when none describes a quantization. */
    public static Optional<QuantConfig> parse(Map<String, ConfigObject> files) {
        ConfigObject config = files.get("config.json");
        if (config != null) {
            Optional<ConfigObject> qc = config.object("quantization_config");
            if (qc.isPresent() && qc.get().has("quant_method")) {
                return Optional.of(byMethod(qc.get(), files));
            }
            Optional<ConfigObject> mlx = config.object("quantization").or(() -> qc.filter(q -> q.has("bits")));
            if (mlx.isPresent()) {
                return Optional.of(mlx(mlx.get()));
            }
        }
        ConfigObject gptq = files.get("quantize_config.json");
        if (gptq != null) {
            String method = gptq.string("quant_method").orElse("gptq").toLowerCase(Locale.ROOT);
            return Optional.of(method.equals("awq") ? awq(gptq) : gptq(gptq));
        }
        ConfigObject awq = files.get("quant_config.json");
        if (awq != null) {
            return Optional.of(awq(awq));
        }
        ConfigObject modelopt = files.get("hf_quant_config.json");
        if (modelopt != null) {
            return Optional.of(modelOpt(modelopt.object("quantization").orElseThrow(() -> modelopt.invalid("quantization",
                    "is missing: ModelOpt's hf_quant_config.json holds {\"quantization\": {\"quant_algo\": ...}}")),
                    "exclude_modules"));
        }
        return Optional.empty();
    }

    private static QuantConfig byMethod(ConfigObject qc, Map<String, ConfigObject> files) {
        String method = qc.string("quant_method").orElseThrow().toLowerCase(Locale.ROOT);
        return switch (method) {
            case "gptq" -> gptq(files.containsKey("quantize_config.json") && !qc.has("bits")
                    ? files.get("quantize_config.json") : qc);
            case "awq" -> awq(qc);
            case "fp8", "fbgemm_fp8" -> fp8(qc, method);
            case "mxfp4" -> new QuantConfig.Mxfp4(qc.source(), transformers(qc, "modules_to_not_convert"));
            case "modelopt", "modelopt_fp4" -> qc.object("quantization").map(q -> modelOpt(q, "exclude_modules"))
                    .orElseGet(() -> modelOpt(qc, "ignore"));
            case "compressed-tensors" -> CompressedTensorsConfig.parse(qc);
            case "bitsandbytes" -> bitsAndBytes(qc);
            default -> throw new SafeTensorsException(SafeTensorsException.Kind.UnsupportedQuantization, qc.source(),
                    "`" + qc.where("quant_method") + "` is \"" + method + "\"; this library reads " + READS);
        };
    }

    private static QuantConfig gptq(ConfigObject c) {
        int bits = c.integer("bits").orElseThrow(() -> c.invalid("bits", "is missing"));
        if (bits != 2 && bits != 3 && bits != 4 && bits != 8) {
            throw c.invalid("bits", "is " + bits + ": GPTQ packs 2, 3, 4 or 8 bits");
        }
        int group = groupSize(c, "group_size", 128);
        String format = c.string("checkpoint_format").or(() -> c.string("format")).orElse("gptq")
                .toLowerCase(Locale.ROOT);
        if (!format.equals("gptq") && !format.equals("gptq_v2")) {
            throw new SafeTensorsException(SafeTensorsException.Kind.UnsupportedQuantization, c.source(), "`"
                    + c.where("checkpoint_format") + "` is \"" + format + "\"; only gptq (v1) and gptq_v2 are read");
        }
        return new QuantConfig.Gptq(c.source(), bits, group, c.bool("desc_act").orElse(false),
                c.bool("sym").orElse(true), format.equals("gptq_v2"), transformers(c, "modules_to_not_convert"));
    }

    /** transformers' AwqConfig in config.json, or AutoAWQ's quant_config.json (w_bit, q_group_size). */
    private static QuantConfig awq(ConfigObject c) {
        int bits = c.integer("bits").or(() -> c.integer("w_bit")).orElse(4);
        if (bits != 4) {
            throw new SafeTensorsException(SafeTensorsException.Kind.UnsupportedQuantization, c.source(),
                    "AWQ with " + bits + " bits; the GEMM layout packs 4");
        }
        int group = c.has("group_size") ? groupSize(c, "group_size", 128) : groupSize(c, "q_group_size", 128);
        String version = c.string("version").orElse("gemm").toLowerCase(Locale.ROOT);
        if (!version.equals("gemm")) {
            throw new SafeTensorsException(SafeTensorsException.Kind.UnsupportedQuantization, c.source(), "`"
                    + c.where("version") + "` is \"" + version + "\"; only AWQ's gemm layout is read");
        }
        return new QuantConfig.Awq(c.source(), bits, group, c.bool("zero_point").orElse(true), version,
                transformers(c, "modules_to_not_convert"));
    }

    private static QuantConfig fp8(ConfigObject c, String method) {
        List<Integer> block = c.integers("weight_block_size");
        if (!block.isEmpty() && (block.size() != 2 || block.get(0) < 1 || block.get(1) < 1)) {
            throw c.invalid("weight_block_size", "is " + block + "; a block is [rows, columns], both positive");
        }
        String fmt = c.string("fmt").orElse("e4m3").toLowerCase(Locale.ROOT);
        if (!fmt.equals("e4m3") && !fmt.equals("float8_e4m3fn")) {
            throw new SafeTensorsException(SafeTensorsException.Kind.UnsupportedQuantization, c.source(),
                    "`" + c.where("fmt") + "` is \"" + fmt + "\"; FP8 weights are read as e4m3");
        }
        return new QuantConfig.Fp8(c.source(), method, block, transformers(c, "modules_to_not_convert"));
    }

    private static QuantConfig modelOpt(ConfigObject c, String excludeKey) {
        String algo = c.string("quant_algo").orElseThrow(() -> c.invalid("quant_algo", "is missing"))
                .toUpperCase(Locale.ROOT);
        int group = groupSize(c, "group_size", 16);
        List<String> exclude = c.has(excludeKey) ? c.strings(excludeKey) : c.strings("exclude_modules");
        return switch (algo) {
            case "NVFP4", "W4A16_NVFP4", "FP8", "FP8_PER_CHANNEL_PER_TOKEN", "FP8_PB_WO" -> new QuantConfig.ModelOpt(
                    c.source(), algo, group, ModulePatterns.of(exclude, ModulePatterns.Style.MODELOPT, c.source(),
                    c.where(excludeKey)));
            default -> throw new SafeTensorsException(SafeTensorsException.Kind.UnsupportedQuantization, c.source(),
                    "`" + c.where("quant_algo") + "` is \"" + algo + "\"; ModelOpt's NVFP4, W4A16_NVFP4, FP8, "
                    + "FP8_PER_CHANNEL_PER_TOKEN and FP8_PB_WO are read");
        };
    }

    private static QuantConfig bitsAndBytes(ConfigObject c) {
        boolean four = c.bool("load_in_4bit").or(() -> c.bool("_load_in_4bit")).orElse(false);
        boolean eight = c.bool("load_in_8bit").or(() -> c.bool("_load_in_8bit")).orElse(false);
        if (four == eight) {
            throw c.invalid("load_in_4bit", four ? "and load_in_8bit are both true" : "and load_in_8bit are both false");
        }
        String type = c.string("bnb_4bit_quant_type").orElse("fp4").toLowerCase(Locale.ROOT);
        if (four && !type.equals("nf4") && !type.equals("fp4")) {
            throw c.invalid("bnb_4bit_quant_type", "is \"" + type + "\"; bitsandbytes 4-bit is nf4 or fp4");
        }
        return new QuantConfig.BitsAndBytes(c.source(), four, type, c.bool("bnb_4bit_use_double_quant").orElse(false),
                transformers(c, "llm_int8_skip_modules"));
    }

    /** MLX's {@code quantization}: bits, group_size, mode, and per-layer entries. */
    private static QuantConfig mlx(ConfigObject q) {
        String mode = q.string("mode").orElse("affine").toLowerCase(Locale.ROOT);
        int bits = q.integer("bits").orElse(4);
        int group = q.integer("group_size").orElse(mode.equals("mxfp4") ? 32 : mode.equals("nvfp4") ? 16 : 64);
        checkMlx(q, bits, group);
        if (!List.of("affine", "mxfp4", "nvfp4").contains(mode)) {
            throw new SafeTensorsException(SafeTensorsException.Kind.UnsupportedQuantization, q.source(),
                    "`" + q.where("mode") + "` is \"" + mode + "\"; MLX's affine, mxfp4 and nvfp4 modes are read");
        }
        Map<String, QuantConfig.MlxLayer> layers = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : q.values().entrySet()) {
            String key = e.getKey();
            if (e.getValue() instanceof Boolean b && !b) {
                layers.put(key, new QuantConfig.MlxLayer(false, 0, 0));
            } else if (e.getValue() instanceof Map<?, ?>) {
                ConfigObject layer = q.object(key).orElseThrow();
                int lb = layer.integer("bits").orElse(bits);
                int lg = layer.integer("group_size").orElse(group);
                checkMlx(layer, lb, lg);
                layers.put(key, new QuantConfig.MlxLayer(true, lb, lg));
            }
        }
        return new QuantConfig.Mlx(q.source(), bits, group, mode, layers);
    }

    private static void checkMlx(ConfigObject q, int bits, int group) {
        if (bits < 1 || bits > 8) {
            throw q.invalid("bits", "is " + bits + "; MLX quantizes to 2, 3, 4, 5, 6 or 8 bits");
        }
        if (group < 1) {
            throw q.invalid("group_size", "is " + group + "; it must be positive");
        }
    }

    /** A group size: positive, or −1 for one group per row; 0 and other negatives are refused. */
    static int groupSize(ConfigObject c, String key, int absent) {
        int g = c.integer(key).orElse(absent);
        if (g == 0 || g < -1) {
            throw c.invalid(key, "is " + g + "; a group size is positive, or -1 for one group per row");
        }
        return g;
    }

    private static ModulePatterns transformers(ConfigObject c, String key) {
        return ModulePatterns.of(c.strings(key), ModulePatterns.Style.TRANSFORMERS, c.source(), c.where(key));
    }
}
