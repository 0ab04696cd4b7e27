package dev.safetensors.quant.internal.write;

import dev.safetensors.DType;
import dev.safetensors.Tensor;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import java.util.List;
import java.util.Map;

/**
 * One compressed-tensors scheme's quantizer: which weights it can take, the tensors it writes for a layer
 * (each streamed row by row from the source), and the {@code config_groups} entry describing them. Rounding
 * is to nearest even throughout (PyTorch's {@code round} and casts), scales as compressed-tensors computes them
 * ({@code quantization/utils/helpers.py}, {@code calculate_qparams}).
 */
interface WeightQuantizer {
    /** The compressed-tensors format name, e.g. {@code pack-quantized}. */
    String format();

    /** Whether this weight's shape suits the scheme (e.g. columns a multiple of the group size). */
    boolean fits(Tensor weight);

    /** The tensors that replace {@code <layer>.weight}. */
    List<QuantizedTensor> quantize(String layer, Tensor weight);

    /** The {@code weights} quantization arguments for config.json. */
    Map<String, Object> weightArgs();

    /** The {@code input_activations} arguments, or null for weight-only schemes. */
    Map<String, Object> inputArgs();

    /**
     * The dtype scales are stored in: the weight's own when it is BF16 or F16, as llm-compressor stores them;
     * F32 otherwise.
     */
    static DType scaleType(Tensor weight) {
        return weight.dtype() == DType.BF16 || weight.dtype() == DType.F16 ? weight.dtype() : DType.F32;
    }

    /** {@code x} rounded to {@code type} and back, so codes are computed with the scale that is stored. */
    static float roundTo(DType type, float x) {
        return switch (type) {
            case BF16 -> Float.intBitsToFloat(FloatEncoder.toBF16(x, Overflow.SATURATE) << 16);
            case F16 -> Float.float16ToFloat(FloatEncoder.toF16(x, Overflow.SATURATE));
            default -> x;
        };
    }

    /** compressed-tensors replaces a zero scale by the scale dtype's epsilon, so every division is defined. */
    static float nonZero(DType type, float scale) {
        if (scale != 0 && Float.isFinite(scale)) {
            return scale;
        }
        return switch (type) {
            case BF16 -> 0x1p-7f;
            case F16 -> 0x1p-10f;
            default -> Math.ulp(1f);
        };
    }

    /** The quantization arguments compressed-tensors serialises, with this scheme's values. */
    static Map<String, Object> args(int bits, String type, String strategy, Integer groupSize, List<Integer> block,
            boolean dynamic, String scaleDtype) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("num_bits", (long) bits);
        m.put("type", type);
        m.put("symmetric", true);
        m.put("group_size", groupSize == null ? null : (long) groupSize);
        m.put("strategy", strategy);
        m.put("block_structure", block == null ? null : block.stream().map(Integer::longValue).toList());
        m.put("dynamic", dynamic);
        m.put("actorder", null);
        m.put("scale_dtype", scaleDtype);
        m.put("zp_dtype", null);
        m.put("observer", dynamic ? null : "minmax");
        m.put("observer_kwargs", Map.of());
        return m;
    }
}
