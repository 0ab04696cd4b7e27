package dev.safetensors.hub;

import java.nio.file.Path;

/**
 * Hears how a download goes, to show progress. Calls come from the threads that fetch (several at once), so an
 * implementation must be thread-safe and quick; it must not throw.
 *
 * <pre>{@code
 * LongAdder received = new LongAdder();
 * hub.download(uri, DownloadOptions.defaults().listener(new DownloadListener() {
 *     public void progress(String file, long bytes) { received.add(bytes); }
 * }));
 * }</pre>
 */
public interface DownloadListener {
    /**
     * The files to fetch (those not already in place) and their total size, before the first byte.
     *
     * @param files how many files will be fetched
     * @param bytes their total size
     */
    default void started(int files, long bytes) {
    }

    /**
     * A file begins; {@code resumed} of its bytes were already on disk from an interrupted download.
     *
     * @param file    its path in the repository
     * @param size    its size in bytes
     * @param resumed bytes already on disk, not fetched again
     */
    default void fileStarted(String file, long size, long resumed) {
    }

    /**
     * {@code bytes} more bytes of {@code file} arrived.
     *
     * @param file  its path in the repository
     * @param bytes how many arrived since the last call for this file
     */
    default void progress(String file, long bytes) {
    }

    /**
     * {@code file} is complete, verified and in place at {@code path}.
     *
     * @param file its path in the repository
     * @param path where it is on disk
     */
    default void fileFinished(String file, Path path) {
    }

    /** Every file is in place. */
    default void finished() {
    }

    /** {@return a listener that ignores everything} */
    static DownloadListener none() {
        return NoListener.INSTANCE;
    }

    /** The shared do-nothing listener. */
    enum NoListener implements DownloadListener {
        /** The one do-nothing listener. */
        INSTANCE
    }
}
