package dev.safetensors.torch;

/**
 * Told how far a conversion has got, from the thread that writes: after each piece of at most 64 MiB of
 * tensor bytes, so a progress bar moves even through one huge tensor. Keep it quick.
 *
 * <pre>{@code
 * TorchConverter.create().progress((done, total) -> bar.update(done, total)).convert(ckpt, out);
 * }</pre>
 */
@FunctionalInterface
public interface ProgressListener {
    /**
     * Called after each piece written.
     *
     * @param bytesDone  tensor bytes written so far
     * @param bytesTotal tensor bytes to write in all
     */
    void progress(long bytesDone, long bytesTotal);
}
