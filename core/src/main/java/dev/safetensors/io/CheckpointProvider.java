package dev.safetensors.io;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import java.net.URI;

/**
 * Opens checkpoints that are not local files, for {@link Checkpoint#open(URI, OpenOptions)}: found with
 * {@link java.util.ServiceLoader}, so a module such as {@code safetensors-hub} (for {@code hf://} and
 * {@code https://}) adds schemes just by being on the module or class path.
 *
 * <pre>{@code
 * // module-info.java of a provider
 * provides dev.safetensors.io.CheckpointProvider with com.example.S3Checkpoints;
 * }</pre>
 */
public interface CheckpointProvider {

    /**
     * {@return whether this provider opens {@code uri} (usually decided by its scheme)}
     *
     * @param uri the address {@link Checkpoint#open(URI, OpenOptions)} was given
     */
    boolean supports(URI uri);

    /**
     * Opens the checkpoint {@code uri} names: a file, an index, or whatever the scheme calls a checkpoint.
     *
     * @throws dev.safetensors.SafeTensorsException as local opening does: the reference's kind for bad content,
     *         {@code IoError} when the bytes cannot be reached
     * @param uri     an address {@link #supports} accepted
     * @param options how to read it
     * @return the open checkpoint; the caller closes it
     */
    Checkpoint open(URI uri, OpenOptions options);
}
