package dev.safetensors.cli;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A small llama-shaped checkpoint for the report's tests, with what the tests expect of it counted here, as it
 * is built: BF16 embeddings, attention and head; FP8 (E4M3) MLP projections with F32 scales, as
 * compressed-tensors writes them, and the {@code config.json} that says so; F32 norms. Values are Gaussian.
 */
final class SampleModel {
    static final int HIDDEN = 256;
    static final int FFN = 688;
    static final int VOCAB = 2000;

    /** Parameters per dtype, and elements per tensor name, as written. */
    final Map<DType, Long> params = new EnumMap<>(DType.class);
    final Map<String, Long> elements = new LinkedHashMap<>();
    final Path file;

    private final SafeTensorsWriter writer = SafeTensorsWriter.create().putMetadata("format", "pt");
    private final Random rnd = new Random(20261201);

    private SampleModel(Path dir, int layers) throws IOException {
        add("model.embed_tokens.weight", DType.BF16, 0.02, VOCAB, HIDDEN);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            add(p + "input_layernorm.weight", DType.F32, NORM, HIDDEN);
            add(p + "self_attn.q_proj.weight", DType.BF16, 1 / Math.sqrt(HIDDEN), HIDDEN, HIDDEN);
            add(p + "self_attn.k_proj.weight", DType.BF16, 1 / Math.sqrt(HIDDEN), HIDDEN / 4, HIDDEN);
            add(p + "self_attn.v_proj.weight", DType.BF16, 1 / Math.sqrt(HIDDEN), HIDDEN / 4, HIDDEN);
            add(p + "self_attn.o_proj.weight", DType.BF16, 1 / Math.sqrt(HIDDEN), HIDDEN, HIDDEN);
            add(p + "post_attention_layernorm.weight", DType.F32, NORM, HIDDEN);
            for (String proj : new String[] {"gate_proj", "up_proj"}) {
                add(p + "mlp." + proj + ".weight", DType.F8_E4M3, 64, FFN, HIDDEN);
                add(p + "mlp." + proj + ".weight_scale", DType.F32, SCALE, FFN, 1);
            }
            add(p + "mlp.down_proj.weight", DType.BF16, 1 / Math.sqrt(FFN), HIDDEN, FFN);
        }
        add("model.norm.weight", DType.F32, NORM, HIDDEN);
        add("lm_head.weight", DType.BF16, 0.02, VOCAB, HIDDEN);
        file = dir.resolve("tiny-llama.safetensors");
        writer.write(file);
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "hidden_size": %d,
                 "quantization_config": {"quant_method": "compressed-tensors", "format": "float-quantized",
                  "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 8, "type": "float",
                   "strategy": "channel", "symmetric": true}}},
                  "ignore": ["lm_head", "re:.*self_attn.*", "re:.*down_proj.*"]}}
                """.formatted(HIDDEN));
    }

    /** Writes the model (and its config.json) into {@code dir}. */
    static SampleModel write(Path dir, int layers) throws IOException {
        return new SampleModel(dir, layers);
    }

    /** Norms: about 1. */
    private static final double NORM = -1;
    /** FP8 scales: positive, about 0.01. */
    private static final double SCALE = -2;

    /** One tensor of Gaussian values times {@code scale}, or of norms ({@link #NORM}) or FP8 scales ({@link #SCALE}). */
    private void add(String name, DType dtype, double scale, long... shape) {
        int n = (int) Shape.of(shape).elementCount();
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double g = rnd.nextGaussian();
            v[i] = (float) (scale == NORM ? 1 + 0.05 * g : scale == SCALE ? 0.01 * (1 + 0.1 * Math.abs(g)) : scale * g);
        }
        byte[] bytes = new byte[n * dtype.bits() / 8];
        FloatEncoder.encode(v, 0, n, dtype, Overflow.SATURATE, MemorySegment.ofArray(bytes));
        writer.add(name, dtype, Shape.of(shape), TensorData.of(bytes));
        params.merge(dtype, (long) n, Long::sum);
        elements.put(name, (long) n);
    }
}
