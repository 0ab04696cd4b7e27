package dev.safetensors;

/**
 * How a {@link SafeTensorsFile} gets its bytes; chosen at open time with {@link OpenOptions}.
 */
public enum ReadStrategy {
    /**
     * Map the whole file once; tensors are zero-copy views. The default: fastest on local disks with a
     * warm page cache, and nothing is read until a tensor is touched.
     */
    MMAP,
    /**
     * No mapping: positional reads copy each tensor into the caller's (or a fresh) buffer. For network
     * file systems, file systems without mmap, and unified-memory machines (the reference's {@code pread}
     * backend, added in 0.8).
     */
    PREAD
}
