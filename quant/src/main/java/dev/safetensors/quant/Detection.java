package dev.safetensors.quant;

import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a checkpoint's configs and tensor names say about its quantization, found without reading any tensor
 * data: from the files when they are there, from an index alone when its shards are not.
 *
 * <pre>{@code
 * Detection d = QuantizedModel.detect(Path.of("Genz-70b-GPTQ"));
 * d.method();    // Optional[gptq]
 * d.layers();    // one LayerPlan per quantized layer, when tensor names are known
 * d.notes();     // what could not be checked, e.g. shapes when the shards are absent
 * }</pre>
 *
 * @param method the quantization method ({@code quant_method}, or {@code mlx}); empty when no config names one
 * @param config the config file it was read from, or empty
 * @param summary the config's scheme in a line, e.g. {@code gptq v1, 3-bit, per channel, act-order}
 * @param layers  the quantized layers found among the tensor names
 * @param ignore  the config's modules not to quantize, as written
 * @param notes   what detection needed and did not have
 */
public record Detection(Optional<String> method, Optional<String> config, String summary, List<LayerPlan> layers,
        List<String> ignore, List<String> notes) {

    public Detection {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(summary, "summary");
        layers = List.copyOf(layers);
        ignore = List.copyOf(ignore);
        notes = List.copyOf(notes);
    }

    /** {@return whether the checkpoint is quantized at all (a config says so, or layers were found)} */
    public boolean isQuantized() {
        return method.isPresent() || !layers.isEmpty();
    }

    /** {@return the schemes of the layers found} */
    public Set<QuantScheme> schemes() {
        Set<QuantScheme> s = EnumSet.noneOf(QuantScheme.class);
        layers.forEach(l -> s.add(l.scheme()));
        return s;
    }
}
