package dev.safetensors;

import java.lang.foreign.Arena;

/**
 * How to open a safetensors file. Immutable; start from {@link #defaults()}.
 *
 * <pre>{@code
 * var options = OpenOptions.defaults()
 *         .withStrategy(ReadStrategy.PREAD)
 *         .withMaxHeaderSize(500_000_000);
 * try (var file = SafeTensorsFile.open(path, options)) { ... }
 * }</pre>
 *
 * @param strategy      mmap (default) or positional reads
 * @param maxHeaderSize the largest header accepted, in bytes; the reference's 100,000,000 by default
 * @param arena         for {@link ReadStrategy#MMAP}: the caller's arena to map into, which then owns the
 *                      mapping; null (the default) lets the handle own a shared arena and unmap on close.
 *                      The file is mapped on first tensor access, from whichever thread that is: give a
 *                      shared (or global) arena unless one thread does all the reading
 */
public record OpenOptions(ReadStrategy strategy, long maxHeaderSize, Arena arena) {
    private static final OpenOptions DEFAULTS = new OpenOptions(ReadStrategy.MMAP, Header.DEFAULT_MAX_SIZE, null);

    public OpenOptions {
        java.util.Objects.requireNonNull(strategy, "strategy must be non-null");
        Header.checkLimit(maxHeaderSize);
    }

    /** mmap, the reference's header limit, an arena owned by the handle. */
    public static OpenOptions defaults() {
        return DEFAULTS;
    }

    public OpenOptions withStrategy(ReadStrategy newStrategy) {
        return new OpenOptions(newStrategy, maxHeaderSize, arena);
    }

    /**
     * @param newMax bytes, at most {@link Header#MAX_CONFIGURABLE_SIZE}
     * @throws IllegalArgumentException outside 0 to {@link Header#MAX_CONFIGURABLE_SIZE}
     */
    public OpenOptions withMaxHeaderSize(long newMax) {
        return new OpenOptions(strategy, newMax, arena);
    }

    /** Maps into the caller's arena; the caller closes it, after the handle. */
    public OpenOptions withArena(Arena callerArena) {
        return new OpenOptions(strategy, maxHeaderSize, callerArena);
    }
}
