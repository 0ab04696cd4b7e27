package dev.safetensors.cuda;

/** What host memory a GPU device gives loaders for staging ({@link dev.safetensors.device.Device#allocateHost}). */
public enum HostMemory {
    /** Page-locked memory from the runtime ({@code cudaHostAlloc}): copies run at full speed, asynchronously. */
    PINNED,
    /**
     * Ordinary aligned memory page-locked afterwards ({@code cudaHostRegister}), which some loaders measure
     * as cheaper to obtain than {@link #PINNED}.
     */
    REGISTERED,
    /** Ordinary memory: the runtime stages every copy through a buffer of its own (about half the speed). */
    PAGEABLE
}
