package dev.safetensors.bench;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes a transformer-shaped checkpoint of mixed dtypes for the benchmarks: per layer BF16 attention and
 * MLP weights, F32 norms, F8_E4M3 weights with F32 scales, an I64 counter; sized by the layer count.
 * {@code java -cp bench/target/benchmarks.jar dev.safetensors.bench.SampleCheckpoint OUT LAYERS}
 * (24 layers ≈ 2 GiB).
 */
public final class SampleCheckpoint {
    private SampleCheckpoint() {
    }

    public static void main(String[] args) {
        Path out = Path.of(args[0]);
        int layers = Integer.parseInt(args[1]);
        int hidden = 2048;
        int mlp = 5632;
        SafeTensorsWriter w = SafeTensorsWriter.create().putMetadata("format", "pt");
        w.add("model.embed_tokens.weight", DType.BF16, Shape.of(32000, hidden), random(32000L * hidden * 2, 1));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
                w.add(p + "self_attn." + proj + ".weight", DType.BF16, Shape.of(hidden, hidden), random(2L * hidden * hidden, l));
            }
            w.add(p + "mlp.gate_proj.weight", DType.F8_E4M3, Shape.of(mlp, hidden), random((long) mlp * hidden, l));
            w.add(p + "mlp.gate_proj.weight_scale", DType.F32, Shape.of(), random(4, l));
            w.add(p + "mlp.up_proj.weight", DType.BF16, Shape.of(mlp, hidden), random(2L * mlp * hidden, l));
            w.add(p + "mlp.down_proj.weight", DType.F16, Shape.of(hidden, mlp), random(2L * mlp * hidden, l));
            w.add(p + "input_layernorm.weight", DType.F32, Shape.of(hidden), random(4L * hidden, l));
            w.add(p + "post_attention_layernorm.weight", DType.F32, Shape.of(hidden), random(4L * hidden, l));
        }
        w.add("model.norm.weight", DType.F32, Shape.of(hidden), random(4L * hidden, 7));
        w.add("lm_head.weight", DType.BF16, Shape.of(32000, hidden), random(32000L * hidden * 2, 9));
        w.add("step", DType.I64, Shape.of(), random(8, 3));
        w.write(out);
    }

    /** Pseudo-random bytes, generated as they are written. */
    private static dev.safetensors.TensorData random(long bytes, long seed) {
        return sink -> {
            Random r = new Random(seed);
            byte[] block = new byte[1 << 20];
            r.nextBytes(block);
            for (long off = 0; off < bytes; off += block.length) {
                sink.write(block, 0, (int) Math.min(block.length, bytes - off));
            }
        };
    }
}
