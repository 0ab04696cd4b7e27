package dev.safetensors.quant.internal.kernel;

import java.lang.foreign.MemorySegment;

/** What integer codes are taken relative to, per group of a row. */
public sealed interface IntOffset {
    /** One zero point for every group: {@code w = (q − zero) × scale} (compressed-tensors symmetric: 2^(b−1)). */
    record Constant(int zero) implements IntOffset {
    }

    /**
     * Zero points packed along the rows like compressed-tensors' asymmetric {@code weight_zero_point}
     * ({@code [⌈rows × bits / 32⌉, groups]} dense, or word-aligned before 0.17.0): {@code w = (q − z) × scale}.
     */
    record PackedZeros(MemorySegment words, boolean dense, int groups) implements IntOffset {
    }

    /** MLX affine: {@code w = q × scale + bias}, one bias per group. */
    record Biases(FloatMatrix biases) implements IntOffset {
    }
}
