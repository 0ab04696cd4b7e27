/**
 * GPUs for safetensors-java: {@code cuda:N} through the CUDA runtime and {@code rocm:N} through HIP, both
 * found at run time and called through {@code java.lang.foreign} (no JNI, nothing native at build time).
 */
module dev.safetensors.cuda {
    requires dev.safetensors.core;

    exports dev.safetensors.cuda;

    provides dev.safetensors.device.DeviceProvider
            with dev.safetensors.cuda.CudaProvider, dev.safetensors.cuda.RocmProvider;
}
