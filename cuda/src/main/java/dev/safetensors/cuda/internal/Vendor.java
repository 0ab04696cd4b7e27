package dev.safetensors.cuda.internal;

import java.util.List;

/**
 * The two GPU runtimes this module binds. HIP mirrors the CUDA runtime API call for call (the same
 * signatures, the same values for every constant used here), so one binding serves both; only the library
 * names and a few function names differ.
 */
public enum Vendor {
    CUDA("cuda", "cuda", List.of("libcudart.so", "libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0",
            "/usr/local/cuda/lib64/libcudart.so", "/usr/local/cuda/lib/libcudart.so"),
            "cudaHostAlloc", "cudaFreeHost",
            // CUDA 12 headers map cudaGetDeviceProperties to _v2; 13 exports the plain name again.
            List.of("cudaGetDeviceProperties_v2", "cudaGetDeviceProperties")),
    HIP("rocm", "hip", List.of("libamdhip64.so", "libamdhip64.so.7", "libamdhip64.so.6", "/opt/rocm/lib/libamdhip64.so"),
            "hipHostMalloc", "hipHostFree",
            // HIP 6 versions the properties struct in the symbol name.
            List.of("hipGetDevicePropertiesR0600", "hipGetDeviceProperties"));

    /** The device kind users name: {@code cuda:0}, {@code rocm:0}. */
    final String kind;
    /** The runtime's function prefix. */
    final String prefix;
    /** Where the runtime library may be found, in order; the system property or variable overrides. */
    final List<String> libraries;
    final String hostAlloc;
    final String hostFree;
    final List<String> deviceProperties;

    Vendor(String kind, String prefix, List<String> libraries, String hostAlloc, String hostFree,
            List<String> deviceProperties) {
        this.kind = kind;
        this.prefix = prefix;
        this.libraries = libraries;
        this.hostAlloc = hostAlloc;
        this.hostFree = hostFree;
        this.deviceProperties = deviceProperties;
    }

    public String kind() {
        return kind;
    }

    /** {@code safetensors.cuda.library} / {@code SAFETENSORS_CUDA_LIBRARY}, and the same for rocm. */
    String overrideProperty() {
        return "safetensors." + kind + ".library";
    }

    String overrideVariable() {
        return "SAFETENSORS_" + kind.toUpperCase(java.util.Locale.ROOT) + "_LIBRARY";
    }
}
