package dev.safetensors.internal.load;

/**
 * Bytes read and copied as one unit: runs of one tensor's bytes (offsets relative to the tensor) that land
 * contiguously at {@code dstOffset} of the destination.
 *
 * @param piece      the index of the piece it belongs to
 * @param dstOffset  where its first byte goes in the destination tensor
 * @param bytes      total bytes
 * @param runOffsets each run's first byte, relative to the tensor's first byte
 * @param runLengths each run's length
 */
public record Chunk(int piece, long dstOffset, long bytes, long[] runOffsets, long[] runLengths) {
}
