/**
 * Where a file's bytes come from: {@link dev.safetensors.io.ByteSource} (a mapping, positional reads, or a
 * source of another module such as an HTTP range reader), and {@link dev.safetensors.io.CheckpointProvider},
 * through which {@link dev.safetensors.Checkpoint#open(java.net.URI, dev.safetensors.OpenOptions)} opens schemes
 * other than {@code file:}.
 *
 * <pre>{@code
 * ByteSource source = ByteSource.open(Path.of("model.safetensors"), OpenOptions.defaults());
 * try (SafeTensorsFile file = SafeTensorsFile.open(source, Header.DEFAULT_MAX_SIZE)) { ... }
 * }</pre>
 */
package dev.safetensors.io;
