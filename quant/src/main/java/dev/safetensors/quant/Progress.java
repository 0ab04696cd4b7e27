package dev.safetensors.quant;

/**
 * Hears how far writing a checkpoint has got, in output bytes, after every tile or tensor: for a progress
 * bar. Called on the writing thread; keep it quick.
 *
 * <pre>{@code
 * Progress bar = (done, total, tensor) -> System.err.printf("\r%3d%% %s", 100 * done / total, tensor);
 * }</pre>
 */
@FunctionalInterface
public interface Progress {
    /** Hears nothing. */
    Progress NONE = (done, total, tensor) -> {
    };

    /**
     * @param doneBytes  output bytes produced so far
     * @param totalBytes output bytes in all
     * @param tensor     the tensor being written
     */
    void update(long doneBytes, long totalBytes, String tensor);
}
