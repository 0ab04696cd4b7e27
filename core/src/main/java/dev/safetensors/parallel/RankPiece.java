package dev.safetensors.parallel;

import dev.safetensors.TensorSlice;

/**
 * One tensor as a rank loads it: its name, how it was placed, and the slice holding the rank's part
 * (the whole tensor for {@link Placement#REPLICATE}). Nothing is read until the slice is.
 *
 * @param name      the tensor's name in the checkpoint
 * @param placement how the plan placed it
 * @param dimension the split dimension, or -1
 * @param start     first index of the rank's part along {@code dimension} (0 when not split)
 * @param slice     the rank's bytes
 */
public record RankPiece(String name, Placement placement, int dimension, long start, TensorSlice slice) {
}
