package dev.safetensors.quant.internal.detect;

import dev.safetensors.quant.internal.layout.LayerFormat;
import java.util.function.Function;

/**
 * A way quantized layers may appear in a checkpoint: the suffix that marks one (its anchor tensor) and,
 * for a layer so marked, the format to read it with, or null when this candidate does not apply to that
 * layer (compressed-tensors groups target some layers only; MLX configs override some).
 *
 * @param anchor the name suffix of the anchor tensor, e.g. {@code .qweight}
 * @param format the layer's format, by layer prefix, or null
 */
public record Candidate(String anchor, Function<String, LayerFormat> format) {
    /** A candidate that reads every layer it marks with one format. */
    public static Candidate of(LayerFormat format) {
        return new Candidate(format.roles().get(0).suffix(), layer -> format);
    }
}
