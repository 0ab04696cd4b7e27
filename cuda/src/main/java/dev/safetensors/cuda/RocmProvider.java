package dev.safetensors.cuda;

import dev.safetensors.cuda.internal.Vendor;

/** {@code rocm:N} devices for {@link dev.safetensors.device.Device#open}, through the HIP runtime. */
public final class RocmProvider extends GpuProvider {
    public RocmProvider() {
        super(Vendor.HIP);
    }
}
