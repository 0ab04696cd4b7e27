package dev.safetensors.quant.internal.config;

import dev.safetensors.SafeTensorsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * compressed-tensors' {@code quantization_config} ({@code quantization/quant_config.py},
 * {@code quantization/quant_args.py}): the global {@code format}, {@code version}, {@code ignore} and each
 * config group's targets, format and weight arguments, with the arguments' own validation rules (a strategy
 * inferred from the group size, group sizes positive or −1, block structures of two positive ints).
 */
final class CompressedTensorsConfig {
    /** The formats whose weights this library reads. */
    static final List<String> FORMATS = List.of("dense", "int-quantized", "float-quantized", "naive-quantized",
            "pack-quantized", "nvfp4-pack-quantized", "mxfp4-pack-quantized", "mxfp8-quantized", "mixed-precision");

    private CompressedTensorsConfig() {
    }

    static QuantConfig.CompressedTensors parse(ConfigObject qc) {
        String format = format(qc, qc.string("format").orElse("dense"), "format");
        List<QuantConfig.CtGroup> groups = new ArrayList<>();
        ConfigObject all = qc.object("config_groups").orElseThrow(() -> qc.invalid("config_groups", "is missing"));
        for (Map.Entry<String, ConfigObject> e : all.objects().entrySet()) {
            ConfigObject g = e.getValue();
            String groupFormat = g.string("format").map(f -> format(g, f, "format")).orElse(format);
            QuantConfig.CtWeights weights = g.object("weights").map(CompressedTensorsConfig::weights).orElse(null);
            if (weights != null) {
                groups.add(new QuantConfig.CtGroup(e.getKey(), g.strings("targets"), groupFormat, weights));
            }
        }
        ModulePatterns ignore = ModulePatterns.of(qc.strings("ignore"), ModulePatterns.Style.COMPRESSED_TENSORS,
                qc.source(), qc.where("ignore"));
        return new QuantConfig.CompressedTensors(qc.source(), format, qc.string("version").orElse(null),
                List.copyOf(groups), ignore);
    }

    private static String format(ConfigObject c, String format, String key) {
        String f = format.toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(f)) {
            throw new SafeTensorsException(SafeTensorsException.Kind.UnsupportedQuantization, c.source(), "`"
                    + c.where(key) + "` is \"" + format + "\"; the compressed-tensors formats read are " + FORMATS);
        }
        return f;
    }

    private static QuantConfig.CtWeights weights(ConfigObject w) {
        int bits = w.integer("num_bits").orElse(8);
        String type = w.string("type").orElse("int").toLowerCase(Locale.ROOT);
        if (!type.equals("int") && !type.equals("float")) {
            throw w.invalid("type", "is \"" + type + "\"; it is int or float");
        }
        if (bits < 1 || bits > 8 || (type.equals("float") && bits != 4 && bits != 8)) {
            throw w.invalid("num_bits", "is " + bits + "; " + (type.equals("float") ? "float weights have 4 or 8 bits"
                    : "integer weights have 1 to 8 bits"));
        }
        Integer group = w.has("group_size") ? QuantConfigParser.groupSize(w, "group_size", -1) : null;
        List<Integer> block = blockStructure(w);
        String strategy = w.string("strategy").map(s -> s.toLowerCase(Locale.ROOT))
                .orElse(group == null ? "tensor" : group > 0 ? "group" : "channel");
        switch (strategy) {
            case "group", "tensor_group" -> {
                if (group == null || group < 1) {
                    throw w.invalid("group_size", "must be positive for strategy " + strategy);
                }
            }
            case "block" -> {
                if (block.isEmpty()) {
                    throw w.invalid("block_structure", "is required by strategy block");
                }
            }
            case "tensor", "channel" -> {
            }
            default -> throw new SafeTensorsException(SafeTensorsException.Kind.UnsupportedQuantization, w.source(),
                    "`" + w.where("strategy") + "` is \"" + strategy + "\" for weights; tensor, channel, group, "
                    + "tensor_group and block are read");
        }
        Object order = w.values().get("actorder");
        String actorder = order instanceof Boolean b ? (b ? "group" : null)
                : w.string("actorder").map(s -> s.toLowerCase(Locale.ROOT)).orElse(null);
        return new QuantConfig.CtWeights(bits, type, w.bool("symmetric").orElse(true), strategy, group, block,
                "dynamic".equals(actorder) ? "group" : actorder, w.string("scale_dtype").orElse(null));
    }

    /** {@code [rows, columns]}, or the older {@code "128x128"} string. */
    private static List<Integer> blockStructure(ConfigObject w) {
        if (!w.has("block_structure")) {
            return List.of();
        }
        List<Integer> block;
        if (w.values().get("block_structure") instanceof String s) {
            try {
                block = List.of(s.split("x")).stream().map(Integer::parseInt).toList();
            } catch (NumberFormatException e) {
                throw w.invalid("block_structure", "is \"" + s + "\"; expected [rows, columns] or \"RxC\"");
            }
        } else {
            block = w.integers("block_structure");
        }
        if (block.size() != 2 || block.get(0) < 1 || block.get(1) < 1) {
            throw w.invalid("block_structure", "is " + block + "; a block is [rows, columns], both positive");
        }
        return block;
    }
}
