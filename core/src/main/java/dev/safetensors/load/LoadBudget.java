package dev.safetensors.load;

/**
 * How a streaming load may use memory and threads. The budget bounds the staging memory in flight (the
 * destination tensors are the caller's); every other figure is a tuning knob, with defaults chosen by
 * measurement (docs/benchmarks.md, "Streaming loads").
 *
 * <pre>{@code
 * LoadBudget b = LoadBudget.ofBytes(512L << 20).withThreads(8).withChunkBytes(16 << 20);
 * }</pre>
 *
 * @param bytes      staging memory the load may hold at once; at least one chunk
 * @param chunkBytes bytes read and copied as one unit (a staging buffer's size)
 * @param threads    reader threads issuing positional reads in parallel
 * @param queueDepth copies to the device in flight at once, at most
 * @param directIo   read with {@code O_DIRECT} into aligned buffers, bypassing the page cache, where the
 *                   file system allows it (silently falls back to buffered reads where it does not)
 */
public record LoadBudget(long bytes, long chunkBytes, int threads, int queueDepth, boolean directIo) {
    /** Default staging budget: 256 MiB. */
    public static final long DEFAULT_BYTES = 256L << 20;
    /** Default chunk: 8 MiB, as InstantTensor and the CPU-bound loaders settle on. */
    public static final long DEFAULT_CHUNK_BYTES = 8L << 20;
    /** Default reader threads. */
    public static final int DEFAULT_THREADS = 4;
    /** Default copies in flight. */
    public static final int DEFAULT_QUEUE_DEPTH = 16;

    /**
     * Checks the figures.
     *
     * @throws IllegalArgumentException when a size is not positive, a chunk does not fit the budget, or the
     *                                  threads (1 to 1024) or queue depth (at least 1) are out of range
     */
    public LoadBudget {
        if (bytes <= 0 || chunkBytes <= 0) {
            throw new IllegalArgumentException("budget and chunk size must be positive, got " + bytes + " and " + chunkBytes);
        }
        if (chunkBytes > bytes) {
            throw new IllegalArgumentException("a chunk of " + chunkBytes + " bytes does not fit a budget of " + bytes);
        }
        if (threads < 1 || threads > 1024 || queueDepth < 1) {
            throw new IllegalArgumentException("threads (1..1024) and queue depth (>= 1) out of range: " + threads
                    + ", " + queueDepth);
        }
    }

    /** {@return the defaults: 256 MiB, 8 MiB chunks, 4 threads, 16 copies in flight, buffered reads} */
    public static LoadBudget defaults() {
        return new LoadBudget(DEFAULT_BYTES, DEFAULT_CHUNK_BYTES, DEFAULT_THREADS, DEFAULT_QUEUE_DEPTH, false);
    }

    /**
     * {@return the defaults with a budget of {@code bytes}; the chunk shrinks to fit a small budget}
     *
     * @param bytes staging memory the load may hold at once
     */
    public static LoadBudget ofBytes(long bytes) {
        return defaults().withBytes(bytes);
    }

    /**
     * {@return this budget with another staging size; the chunk shrinks to fit a small one}
     *
     * @param newBytes staging memory the load may hold at once
     */
    public LoadBudget withBytes(long newBytes) {
        return new LoadBudget(newBytes, Math.min(chunkBytes, Math.max(1, newBytes)), threads, queueDepth, directIo);
    }

    /**
     * {@return this budget with another chunk size}
     *
     * @param newChunk bytes read and copied as one unit; at most {@link #bytes()}
     */
    public LoadBudget withChunkBytes(long newChunk) {
        return new LoadBudget(bytes, newChunk, threads, queueDepth, directIo);
    }

    /**
     * {@return this budget with another number of reader threads}
     *
     * @param newThreads 1 to 1024
     */
    public LoadBudget withThreads(int newThreads) {
        return new LoadBudget(bytes, chunkBytes, newThreads, queueDepth, directIo);
    }

    /**
     * {@return this budget with another number of copies in flight}
     *
     * @param newDepth at least 1
     */
    public LoadBudget withQueueDepth(int newDepth) {
        return new LoadBudget(bytes, chunkBytes, threads, newDepth, directIo);
    }

    /**
     * {@return this budget reading with or without {@code O_DIRECT}}
     *
     * @param direct true to bypass the page cache where the file system allows it
     */
    public LoadBudget withDirectIo(boolean direct) {
        return new LoadBudget(bytes, chunkBytes, threads, queueDepth, direct);
    }

    /** {@return staging buffers the budget allows} */
    public int buffers() {
        return (int) Math.min(Integer.MAX_VALUE, bytes / chunkBytes);
    }
}
