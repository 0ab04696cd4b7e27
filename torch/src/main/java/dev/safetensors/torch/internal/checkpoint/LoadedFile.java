package dev.safetensors.torch.internal.checkpoint;

import dev.safetensors.torch.TorchFormat;
import java.util.Map;

/**
 * One checkpoint file read: the object its pickle built, and the bytes of every storage it refers to.
 *
 * @param source   the file, for messages
 * @param format   zip archive or legacy stream
 * @param root     the unpickled object (a dict, usually)
 * @param storages storage key → bytes, for every storage the pickle refers to
 * @param records  the archive's small records ({@code version}, {@code byteorder}, {@code .format_version},
 *                 {@code .storage_alignment}) as text; empty for the legacy format
 */
public record LoadedFile(String source, TorchFormat format, Object root, Map<String, Storage> storages,
        Map<String, String> records) {
}
