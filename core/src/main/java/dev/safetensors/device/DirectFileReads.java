package dev.safetensors.device;

import java.nio.file.Path;

/**
 * Reads from files straight into device memory, with no host staging: GPUDirect Storage on NVIDIA GPUs.
 * Offered by devices and file systems that support it ({@link Device#directFileReads()}); loaders use it
 * for contiguous runs when asked for direct I/O, and fall back to staged reads where it declines.
 */
public interface DirectFileReads extends AutoCloseable {

    /**
     * Reads {@code length} bytes of {@code file} from {@code position} into {@code dst} at
     * {@code dstOffset}.
     *
     * @param file      the file to read
     * @param position  where in the file the bytes start
     * @param length    how many bytes to read
     * @param dst       the device tensor to read into
     * @param dstOffset where in {@code dst} the bytes go
     * @return false, having read nothing, when this file cannot be read directly (its file system does not
     *         support it); the caller then reads it through host memory
     * @throws dev.safetensors.SafeTensorsException of kind {@code IoError} when a read fails
     */
    boolean read(Path file, long position, long length, DeviceTensor dst, long dstOffset);

    /** Releases the files registered for direct reads. */
    @Override
    void close();
}
