package dev.safetensors.quant.internal.write;

import dev.safetensors.DType;
import dev.safetensors.quant.internal.config.ConfigObject;
import java.util.LinkedHashMap;
import java.util.Map;

/** A model's config.json for its dense form: no quantization config, {@code torch_dtype} the written dtype. */
final class DenseConfig {
    private DenseConfig() {
    }

    static Map<String, Object> of(ConfigObject config, DType dtype) {
        Map<String, Object> dense = new LinkedHashMap<>(config.values());
        dense.remove("quantization_config");
        dense.remove("quantization");        // MLX
        dense.put("torch_dtype", torchName(dtype));
        return dense;
    }

    /** PyTorch's name for a dtype, as transformers writes {@code torch_dtype}. */
    static String torchName(DType dtype) {
        return switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F32 -> "float32";
            default -> throw new IllegalArgumentException("no torch_dtype for " + dtype);
        };
    }
}
