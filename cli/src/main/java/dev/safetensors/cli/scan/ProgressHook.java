package dev.safetensors.cli.scan;

/**
 * Hears how far a long pass over tensor bytes has got: for a progress bar. {@link ValueScan} calls it from
 * its worker threads one call at a time, with {@code doneBytes} never decreasing; keep it quick.
 */
@FunctionalInterface
public interface ProgressHook {
    /** Hears nothing. */
    ProgressHook NONE = (done, total, item) -> {
    };

    /**
     * @param doneBytes  tensor bytes read so far
     * @param totalBytes tensor bytes the pass reads in all
     * @param item       what was just read (a tensor's name)
     */
    void update(long doneBytes, long totalBytes, String item);
}
