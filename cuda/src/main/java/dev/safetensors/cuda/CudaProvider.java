package dev.safetensors.cuda;

import dev.safetensors.cuda.internal.Vendor;

/** {@code cuda:N} devices for {@link dev.safetensors.device.Device#open}, through the CUDA runtime. */
public final class CudaProvider extends GpuProvider {
    /** The provider {@link java.util.ServiceLoader} makes; the CUDA runtime is loaded when first needed. */
    public CudaProvider() {
        super(Vendor.CUDA);
    }
}
