package dev.safetensors.quant;

import dev.safetensors.quant.internal.write.CompressedTensorsWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Quantizes a dense checkpoint into the compressed-tensors layout, with a {@code config.json} whose
 * {@code quantization_config} describes it, so it loads where compressed-tensors checkpoints load (vLLM,
 * transformers with compressed-tensors) and reads back through {@link QuantizedModel}. Round to nearest with
 * compressed-tensors' scale rules; no calibration data.
 *
 * <p>Every 2-D F32, F16 or BF16 {@code *.weight} is quantized, except the layers {@code ignore} names
 * (compressed-tensors' rules: an exact module name, or {@code re:} and a regex matched from the start) and
 * those whose shape the scheme cannot hold (columns not a multiple of its group); these stay dense and are
 * listed in the config's {@code ignore}. The default ignore list keeps {@code lm_head}, embeddings and MoE
 * routers dense. Memory stays bounded: each tensor is read a row (or a 128-row block) at a time.
 *
 * <pre>{@code
 * Quantizer.quantize(Path.of("Llama-3-8B"), Path.of("Llama-3-8B-W4A16"), Quantizer.Scheme.INT4,
 *         Quantizer.DEFAULT_IGNORE, Progress.NONE);
 * }</pre>
 */
public final class Quantizer {
    /** Layers left dense by default: the output head, embeddings, MoE routers. */
    public static final List<String> DEFAULT_IGNORE = List.of("re:(.*\\.)?lm_head$", "re:.*embed.*",
            "re:(.*\\.)?(wte|wpe)$", "re:.*\\.mlp\\.gate$", "re:.*router$");

    private Quantizer() {
    }

    /** The schemes written, each a compressed-tensors preset. */
    public enum Scheme {
        /** FP8 E4M3 weights, one scale per row; activations per token on the fly ({@code FP8_DYNAMIC}). */
        FP8,
        /** FP8 E4M3 weights, one scale per 128 × 128 block ({@code FP8_BLOCK}, DeepSeek-V3 style). */
        FP8_BLOCK,
        /** MXFP4 weights: E2M1 with an E8M0 scale per 32 ({@code MXFP4A16}). */
        MXFP4,
        /** NVFP4 weights: E2M1 with an E4M3 scale per 16 and a per-tensor global scale ({@code NVFP4A16}). */
        NVFP4,
        /** 4-bit integers, symmetric, a scale per 128 ({@code W4A16}, format pack-quantized). */
        INT4;

        /** {@return the command-line spelling: {@code fp8}, {@code fp8-block}, {@code mxfp4}, {@code nvfp4}, {@code int4}} */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** @throws IllegalArgumentException naming the schemes there are */
        public static Scheme fromCliName(String name) {
            for (Scheme s : values()) {
                if (s.cliName().equalsIgnoreCase(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown scheme `" + name + "`; expected fp8, fp8-block, mxfp4, nvfp4 "
                    + "or int4");
        }
    }

    /**
     * Quantizes {@code in} (a file, an index or a directory) into the directory {@code out}: the same tensor
     * files (one per input shard, and an index), and {@code config.json}: the input's with a
     * {@code quantization_config} added, or only that when the input has none.
     *
     * @throws IllegalArgumentException when {@code in} is already quantized
     * @throws dev.safetensors.SafeTensorsException for unreadable input, an invalid ignore regex
     *         ({@code InvalidQuantization}) or a failed write ({@code IoError})
     */
    public static WriteReport quantize(Path in, Path out, Scheme scheme, List<String> ignore, Progress progress) {
        return CompressedTensorsWriter.run(in, out, scheme, ignore, progress);
    }
}
