/**
 * safetensors-hub: checkpoints on the Hugging Face Hub (or any HTTP server with range requests) read in place,
 * downloads into the cache the Python tools share, and that cache offline. Built on {@code java.net.http} only.
 *
 * <p>Exported: {@code dev.safetensors.hub} ({@link dev.safetensors.hub.HubClient}, {@link dev.safetensors.hub.HfUri},
 * {@link dev.safetensors.hub.HubCache}, downloads and their progress). The HTTP, cache and download machinery lives in
 * {@code dev.safetensors.hub.internal}.
 */
module dev.safetensors.hub {
    requires transitive dev.safetensors.core;
    requires java.net.http;

    exports dev.safetensors.hub;

    // Checkpoint.open(URI) of core opens hf:// and https:// through this module.
    provides dev.safetensors.io.CheckpointProvider with dev.safetensors.hub.internal.HubCheckpoints;
}
