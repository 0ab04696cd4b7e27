package dev.safetensors.cuda;

/**
 * What the runtime says about one GPU.
 *
 * @param device      its name for {@link dev.safetensors.device.Device#open}, e.g. {@code cuda:0}
 * @param name        the product name, e.g. {@code NVIDIA H200}
 * @param totalBytes  device memory
 * @param freeBytes   device memory free when asked
 * @param runtime     the runtime library and its version, e.g. {@code libcudart.so 13.0}
 */
public record GpuInfo(String device, String name, long totalBytes, long freeBytes, String runtime) {
}
