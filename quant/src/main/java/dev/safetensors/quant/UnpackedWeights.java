package dev.safetensors.quant;

import java.util.Objects;

/**
 * The codes and scales of a block of rows of a quantized weight, unpacked one code per byte, for engines
 * that run quantized kernels themselves. Every array is a fresh copy the caller owns.
 *
 * <p>Element {@code [r, c]} ({@code r} counted from {@link #firstRow}) has code {@code codes[r * columns + c]}
 * (read it as unsigned, {@code & 0xFF}) and group {@code g = groupIndex == null ? c / groupSize : groupIndex[c]};
 * with {@code i = r * groups + g} its value is
 * <pre>{@code
 * w = (v(code) - zeros[i]) * scales[i]     // zeros == null: no zero to subtract
 * w = v(code) * scales[i] + biases[i]      // biases != null (MLX affine)
 * }</pre>
 * where {@code v(code) = codebook[code]} for float and codebook formats (FP8, FP4, NF4, int8 as signed
 * values) and the unsigned code itself when {@code codebook == null} (GPTQ, AWQ, compressed-tensors
 * pack-quantized, MLX). Second-level scales (NVFP4's per-tensor scale, LLM.int8's 1/127) are already folded
 * into {@code scales}, exactly as {@link QuantizedLinear#dequantize} applies them, so {@link #value} equals
 * the dequantized weight bit for bit.
 *
 * <pre>{@code
 * UnpackedWeights u = layer.unpack(0, 16);          // rows 0..15
 * int code = u.codes()[5 * u.columns() + 7] & 0xFF; // row 5, column 7
 * float w = u.value(5, 7);
 * }</pre>
 *
 * @param firstRow   the first row, in the layer's logical [out, in] orientation
 * @param rows       number of rows
 * @param columns    in_features
 * @param codes      rows × columns codes
 * @param codebook   value of each code, or null for integer codes
 * @param groupSize  columns per group when {@code groupIndex} is null
 * @param groupIndex the group of each column (GPTQ act-order {@code g_idx}), or null
 * @param groups     groups per row: the row stride of {@code scales}, {@code zeros} and {@code biases}
 * @param scales     rows × groups scales
 * @param zeros      rows × groups zero points in code units, or null
 * @param biases     rows × groups additive biases, or null
 */
public record UnpackedWeights(long firstRow, int rows, int columns, byte[] codes, float[] codebook, int groupSize,
        int[] groupIndex, int groups, float[] scales, float[] zeros, float[] biases) {

    public UnpackedWeights {
        Objects.requireNonNull(codes, "codes");
        Objects.requireNonNull(scales, "scales");
    }

    /** {@return the group of column {@code c}} */
    public int group(int c) {
        return groupIndex == null ? c / groupSize : groupIndex[c];
    }

    /** {@return the weight at {@code [r, c]} by the formula above} */
    public float value(int r, int c) {
        int code = codes[r * columns + c] & 0xFF;
        int i = r * groups + group(c);
        if (biases != null) {
            return code * scales[i] + biases[i];
        }
        if (codebook != null) {
            float v = codebook[code];
            return (zeros == null ? v : v - zeros[i]) * scales[i];
        }
        return (zeros == null ? code : code - zeros[i]) * scales[i];
    }
}
