package dev.safetensors.quant.internal.detect;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.quant.QuantScheme;
import dev.safetensors.quant.internal.config.QuantConfig;
import dev.safetensors.quant.internal.layout.Fp4Format;
import dev.safetensors.quant.internal.layout.LayerFormat;
import dev.safetensors.quant.internal.layout.PackedIntFormat;
import dev.safetensors.quant.internal.layout.ScaleGrid;
import dev.safetensors.quant.internal.layout.ScaledByteFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * compressed-tensors' config groups as candidates: each group's format and weight arguments give a layout;
 * a layer belongs to the group whose targets match it most specifically, as compressed-tensors ranks them
 * ({@code utils/match.py}, {@code match_targets}): an exact module name, then a {@code re:} regex matched
 * from the start, then a class name. Class names cannot be checked against a file, so {@code Linear} stands
 * for any layer and {@code Embedding} for layers named like embeddings.
 */
final class CompressedTensorsGroups {
    private static final Pattern VERSION = Pattern.compile("(\\d{1,9})\\.(\\d{1,9})(?:\\..*)?");

    private CompressedTensorsGroups() {
    }

    static List<Candidate> candidates(QuantConfig.CompressedTensors ct) {
        List<QuantConfig.CtGroup> groups = ct.groups();
        List<LayerFormat> formats = new ArrayList<>();
        for (QuantConfig.CtGroup g : groups) {
            formats.add(format(ct, g));
        }
        // One candidate per anchor; weight_packed layouts before those anchored on weight_scale.
        Map<String, List<Integer>> byAnchor = new LinkedHashMap<>();
        for (int i = 0; i < formats.size(); i++) {
            if (formats.get(i) != null) {
                byAnchor.computeIfAbsent(formats.get(i).roles().get(0).suffix(), a -> new ArrayList<>()).add(i);
            }
        }
        List<List<Target>> targets = groups.stream().map(g -> g.targets().stream().map(Target::of).toList()).toList();
        List<Candidate> out = new ArrayList<>();
        byAnchor.keySet().stream().sorted((a, b) -> Boolean.compare(a.endsWith("weight_scale"), b.endsWith("weight_scale")))
                .forEach(anchor -> out.add(new Candidate(anchor, layer -> {
                    int g = groupOf(layer, targets);
                    return g >= 0 && byAnchor.get(anchor).contains(g) ? formats.get(g) : null;
                })));
        return out;
    }

    /** A config group target: a module name, a {@code re:} regex (compiled once) or a class name. */
    record Target(String text, Pattern regex) {
        static Target of(String text) {
            if (!text.startsWith("re:")) {
                return new Target(text, null);
            }
            try {
                return new Target(text, Pattern.compile(text.substring(3).replace("(?P<", "(?<")));
            } catch (java.util.regex.PatternSyntaxException e) {
                return new Target(text, null);   // matches nothing, as re.match would fail on it
            }
        }

        /** 0 exact name, 1 regex, 2 class name, 3 Linear for an embedding; MAX_VALUE no match. */
        int rank(String layer) {
            if (text.equals(layer)) {
                return 0;
            }
            if (text.startsWith("re:")) {
                return regex != null && regex.matcher(layer).lookingAt() ? 1 : Integer.MAX_VALUE;
            }
            boolean embedding = layer.contains("embed");
            return switch (text) {
                case "Linear" -> embedding ? 3 : 2;
                case "Embedding" -> embedding ? 2 : Integer.MAX_VALUE;
                default -> Integer.MAX_VALUE;
            };
        }
    }

    /** The group targeting {@code layer} most specifically, or −1. */
    static int groupOf(String layer, List<List<Target>> groups) {
        int best = -1;
        int bestRank = Integer.MAX_VALUE;
        for (int i = 0; i < groups.size(); i++) {
            for (Target target : groups.get(i)) {
                int rank = target.rank(layer);
                if (rank < bestRank) {
                    best = i;
                    bestRank = rank;
                }
            }
        }
        return best;
    }

    /** The layout of one group, or null for a dense one. */
    private static LayerFormat format(QuantConfig.CompressedTensors ct, QuantConfig.CtGroup g) {
        QuantConfig.CtWeights w = g.weights();
        boolean floating = w.type().equals("float");
        ScaleGrid.Strategy strategy = switch (w.strategy()) {
            case "tensor" -> new ScaleGrid.Strategy.PerTensor();
            case "channel" -> new ScaleGrid.Strategy.PerChannel();
            case "block" -> new ScaleGrid.Strategy.PerBlock(w.blockStructure().get(0), w.blockStructure().get(1));
            default -> new ScaleGrid.Strategy.PerGroup(w.groupSize());
        };
        String name = "compressed-tensors " + g.format();
        List<String> inputs = List.of("input_scale", "input_zero_point", "input_global_scale");
        return switch (g.format()) {
            case "dense" -> null;
            case "pack-quantized" -> {
                requireType(ct, g, !floating, "int");
                yield new PackedIntFormat(w.numBits(), strategy, w.symmetric(), atLeast(ct.version(), 0, 17));
            }
            case "int-quantized" -> {
                requireType(ct, g, !floating, "int");
                yield new ScaledByteFormat(QuantScheme.INT, name, List.of(DType.I8), "weight_scale", true, 1f, strategy,
                        inputs);
            }
            case "float-quantized", "mxfp8-quantized" -> {
                requireType(ct, g, floating && w.numBits() == 8, "8-bit float");
                yield new ScaledByteFormat(QuantScheme.FP8, name, List.of(DType.F8_E4M3), "weight_scale", true, 1f,
                        strategy, inputs);
            }
            case "naive-quantized" -> new ScaledByteFormat(floating ? QuantScheme.FP8 : QuantScheme.INT, name,
                    floating ? List.of(DType.F8_E4M3) : List.of(DType.I8), "weight_scale", true, 1f, strategy, inputs);
            case "nvfp4-pack-quantized" -> {
                requireType(ct, g, floating && w.numBits() == 4, "4-bit float");
                yield new Fp4Format(Fp4Format.Variant.CT_NVFP4);
            }
            case "mxfp4-pack-quantized" -> {
                requireType(ct, g, floating && w.numBits() == 4, "4-bit float");
                yield new Fp4Format(Fp4Format.Variant.CT_MXFP4);
            }
            default -> throw new SafeTensorsException(SafeTensorsException.Kind.UnsupportedQuantization, ct.source(),
                    "config group `" + g.name() + "` has format \"" + g.format() + "\"");
        };
    }

    private static void requireType(QuantConfig.CompressedTensors ct, QuantConfig.CtGroup g, boolean ok, String type) {
        if (!ok) {
            QuantConfig.CtWeights w = g.weights();
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidQuantization, ct.source(), "config group `"
                    + g.name() + "`: format " + g.format() + " holds " + type + " weights, but its weights are "
                    + w.numBits() + "-bit " + w.type());
        }
    }

    /** Whether a version string such as {@code 0.17.0} or {@code 0.16.1.dev5+g1a2b} is at least major.minor. */
    static boolean atLeast(String version, int major, int minor) {
        if (version == null) {
            return false;
        }
        Matcher m = VERSION.matcher(version.strip());
        if (!m.matches()) {
            return false;
        }
        long ma = Long.parseLong(m.group(1));
        long mi = Long.parseLong(m.group(2));
        return ma > major || (ma == major && mi >= minor);
    }
}
