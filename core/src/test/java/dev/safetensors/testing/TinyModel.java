package dev.safetensors.testing;

import dev.safetensors.parallel.ParallelPlan;
import dev.safetensors.parallel.Placement;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A two-layer transformer-shaped checkpoint with uneven dimensions; value i of tensor t is t·1000 + i. */
public final class TinyModel {
    public static final Map<String, long[]> SHAPES = new LinkedHashMap<>();

    static {
        SHAPES.put("model.embed_tokens.weight", new long[] {10, 8});
        for (int l = 0; l < 3; l++) {
            SHAPES.put("model.layers." + l + ".self_attn.q_proj.weight", new long[] {12, 8});
            SHAPES.put("model.layers." + l + ".self_attn.o_proj.weight", new long[] {8, 13});
            SHAPES.put("model.layers." + l + ".mlp.up_proj.weight", new long[] {7, 8});
            SHAPES.put("model.layers." + l + ".input_layernorm.weight", new long[] {8});
        }
        SHAPES.put("model.norm.weight", new long[] {8});
        SHAPES.put("lm_head.weight", new long[] {10, 8});
    }

    private TinyModel() {
    }

    public static float[] values(int tensor, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < n; i++) {
            v[i] = tensor * 1000 + i;
        }
        return v;
    }

    public static void write(Path file) {
        SafeTensorsWriter w = SafeTensorsWriter.create();
        int t = 0;
        for (Map.Entry<String, long[]> e : SHAPES.entrySet()) {
            w.add(e.getKey(), DType.F32, Shape.of(e.getValue()), TensorData.of(values(t++, e.getValue())));
        }
        w.write(file);
    }

    public static ParallelPlan plan(int world, int stages) {
        return ParallelPlan.builder(world)
                .place(".*\\.(q_proj|up_proj)\\.weight", Placement.SPLIT_DIM0)
                .place(".*\\.o_proj\\.weight", Placement.SPLIT_DIM1)
                .place("lm_head\\.weight", Placement.SPLIT_DIM0)
                .place(".*layernorm.*", Placement.REPLICATE)
                .pipelineStages(stages)
                .build();
    }
}
