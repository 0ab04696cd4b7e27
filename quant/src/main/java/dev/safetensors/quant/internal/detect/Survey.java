package dev.safetensors.quant.internal.detect;

import dev.safetensors.quant.internal.config.ConfigFiles;
import dev.safetensors.quant.internal.config.ConfigSummary;
import dev.safetensors.quant.internal.config.QuantConfig;
import dev.safetensors.quant.internal.config.QuantConfigParser;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a checkpoint's configs say to look for: the quantization config, if any, and the candidates it
 * implies (every format, parameters from the shapes, when there is no config).
 *
 * @param config     the config read beside the checkpoint
 * @param candidates the formats to look for, in claiming order
 */
public record Survey(Optional<QuantConfig> config, List<Candidate> candidates) {

    /** Reads the configs in the checkpoint's directory. */
    public static Survey of(Path checkpoint) {
        Optional<QuantConfig> config = QuantConfigParser.parse(ConfigFiles.read(ConfigFiles.directoryOf(checkpoint)));
        return new Survey(config, config.map(FormatCatalog::of).orElseGet(FormatCatalog::inferred));
    }

    /** The quantized layers among {@code names}. */
    public List<LayerGroup> groups(List<String> names, String source) {
        return Detector.group(names, candidates, source);
    }

    public Optional<String> method() {
        return config.map(QuantConfig::method);
    }

    public Optional<String> source() {
        return config.map(QuantConfig::source);
    }

    public String summary() {
        return config.map(ConfigSummary::of).orElse("no quantization config; layouts read from tensor names and shapes");
    }

    public List<String> ignore() {
        return config.map(c -> c.ignore().entries()).orElse(List.of());
    }
}
