package dev.safetensors.torch.internal.checkpoint;

/**
 * A storage as a persistent id names it: {@code ('storage', torch.FloatStorage, '0', 'cuda:0', 1024)}, and,
 * in the legacy format, a view of it ({@code view_metadata}). The location is kept for messages only:
 * everything is read where it lies in the file.
 *
 * @param key        the storage's key ({@code data/<key>} in a zip archive)
 * @param type       the storage's element type
 * @param numel      elements the storage holds, as declared
 * @param location   {@code cpu}, {@code cuda:0}, {@code mps}, ... (ignored)
 * @param viewOffset elements from the storage's start to the view's (legacy views; else 0)
 * @param viewNumel  elements of the view (the whole storage unless a legacy view)
 */
public record StorageRef(String key, StorageType type, long numel, String location, long viewOffset, long viewNumel) {
}
