package dev.safetensors.cuda;

import dev.safetensors.cuda.internal.Vendor;

/** {@code rocm:N} devices for {@link dev.safetensors.device.Device#open}, through the HIP runtime. */
public final class RocmProvider extends GpuProvider {
    /** The provider {@link java.util.ServiceLoader} makes; the HIP runtime is loaded when first needed. */
    public RocmProvider() {
        super(Vendor.HIP);
    }
}
