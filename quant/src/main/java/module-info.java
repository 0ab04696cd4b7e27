/**
 * safetensors-quant: detect, unpack, dequantize and write quantized checkpoints (FP8, MXFP4, NVFP4, GPTQ,
 * AWQ, compressed-tensors, bitsandbytes, MLX). Layouts, kernels and config parsing live in the
 * non-exported {@code dev.safetensors.quant.internal} packages.
 */
module dev.safetensors.quant {
    requires transitive dev.safetensors.core;
    // Optional: the kernels' vector loops run only when the application adds this module (see Simd).
    requires static jdk.incubator.vector;

    exports dev.safetensors.quant;
}
