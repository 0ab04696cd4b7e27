/**
 * The Hugging Face Hub: checkpoints read in place over HTTP range requests (headers first, then only the bytes of
 * the tensors and slices asked for), downloads into the cache the Python tools share, and that cache offline.
 * With this module on the path, {@link dev.safetensors.Checkpoint#open(java.net.URI)} opens {@code hf://} and
 * {@code https://} addresses too.
 *
 * <pre>{@code
 * try (Checkpoint ckpt = Checkpoint.open(URI.create("hf://mistralai/Mistral-7B-v0.1"))) {
 *     float[] row = ckpt.tensor("lm_head.weight").slice("0").toFloatArray();   // one row, one range request
 * }
 * try (HubClient hub = HubClient.create()) {
 *     Path snapshot = hub.download(HfUri.parse("hf://org/model"),
 *             DownloadOptions.defaults().include("*.safetensors", "*.json"));
 * }
 * }</pre>
 */
package dev.safetensors.hub;
