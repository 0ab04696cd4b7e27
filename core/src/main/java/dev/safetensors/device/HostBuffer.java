package dev.safetensors.device;

import java.lang.foreign.MemorySegment;

/**
 * Host memory a device copies from and to at full speed (page-locked for GPUs), used for staging.
 * Closing it frees the memory; the segment must not be used afterwards (access then fails).
 */
public interface HostBuffer extends AutoCloseable {

    /** {@return the memory, writable, aligned to at least 4096 bytes} */
    MemorySegment segment();

    /** Frees the memory. Idempotent. */
    @Override
    void close();
}
