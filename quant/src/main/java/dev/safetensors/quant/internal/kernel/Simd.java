package dev.safetensors.quant.internal.kernel;

/**
 * Whether the kernels' vector loops ({@link VectorLoops}, on the incubating {@code jdk.incubator.vector}) run.
 * They do only when the application added that module ({@code --add-modules jdk.incubator.vector}), the
 * platform has 256-bit vectors, and {@code -Dsafetensors.quant.vector=false} does not turn them off. Library
 * users need no flag: without the module the same results come from the scalar loops, bit for bit.
 */
final class Simd {
    static final boolean ENABLED = enabled();

    private Simd() {
    }

    private static boolean enabled() {
        if (!Boolean.parseBoolean(System.getProperty("safetensors.quant.vector", "true"))
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            return VectorLoops.usable();
        } catch (LinkageError | RuntimeException e) {
            return false;   // the module is there but unusable here: keep the scalar loops
        }
    }
}
