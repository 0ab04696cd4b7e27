package dev.safetensors.torch.internal.checkpoint;

import java.lang.foreign.MemorySegment;

/**
 * A storage's bytes, found in the file: a slice of the mapping, exactly {@code numel × element size} long.
 *
 * @param ref       the storage as the pickle declared it
 * @param bytes     its bytes in the file
 * @param bigEndian whether they are big-endian (a zip archive's {@code byteorder} record says {@code big})
 */
public record Storage(StorageRef ref, MemorySegment bytes, boolean bigEndian) {
}
