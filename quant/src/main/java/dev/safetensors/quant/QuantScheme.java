package dev.safetensors.quant;

/**
 * The numeric scheme of a quantized weight: what a code means and how it is scaled. The producer's storage
 * layout is {@link LayerPlan#format()}; one scheme can come in several layouts (MXFP4 from GPT-OSS,
 * compressed-tensors or MLX).
 */
public enum QuantScheme {
    /** F8_E4M3 (or E5M2) codes times a scale per tensor, channel, group or 2-D block. */
    FP8,
    /** E2M1 codes in blocks of 32 with an E8M0 power-of-two scale (OCP MX). */
    MXFP4,
    /** E2M1 codes in blocks of 16 with an E4M3 scale and a per-tensor F32 scale. */
    NVFP4,
    /** GPTQ: integer codes packed along the input dimension, zero points and scales per group, act-order. */
    GPTQ,
    /** AWQ GEMM: 4-bit codes packed along the output dimension in interleaved order. */
    AWQ,
    /** compressed-tensors integer weights: pack-quantized (1–8 bits in int32) or int-quantized (int8). */
    INT,
    /** bitsandbytes NF4: normal-float codebook, absmax per block of the flattened weight. */
    BNB_NF4,
    /** bitsandbytes FP4: its own 4-bit float codebook, absmax per block. */
    BNB_FP4,
    /** bitsandbytes LLM.int8: int8 rows times their absmax / 127. */
    BNB_INT8,
    /** MLX affine: unsigned codes, {@code w = scale × q + bias} per group. */
    MLX_AFFINE
}
