/**
 * safetensors-torch: PyTorch checkpoints ({@code .bin}, {@code .pt}, {@code .pth}, zip or legacy) read by a
 * pickle machine that only builds data, and converted into safetensors through the core writer.
 */
module dev.safetensors.torch {
    requires transitive dev.safetensors.core;

    exports dev.safetensors.torch;
}
