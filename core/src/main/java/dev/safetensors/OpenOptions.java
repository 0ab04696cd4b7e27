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
 * @param linksOutsideAllowed for sharded checkpoints: whether a shard that is a symbolic link may lead
 *                      outside its directory (or, for a Hugging Face cache snapshot, outside the cache
 *                      repository); false by default
 * @param maxOpenShards for sharded checkpoints: how many shard files stay open at once; more are opened on
 *                      demand and the least recently used closed, so any shard count fits {@code ulimit -n}
 */
public record OpenOptions(ReadStrategy strategy, long maxHeaderSize, Arena arena, boolean linksOutsideAllowed,
        int maxOpenShards) {
    /** Open shard files kept by default: far below any usual descriptor limit, above most shard counts. */
    public static final int DEFAULT_MAX_OPEN_SHARDS = 64;

    private static final OpenOptions DEFAULTS = new OpenOptions(ReadStrategy.MMAP, Header.DEFAULT_MAX_SIZE, null);

    /**
     * Checks the options.
     *
     * @throws NullPointerException     when {@code strategy} is null
     * @throws IllegalArgumentException when {@code maxHeaderSize} is outside 0 to
     *                                  {@link Header#MAX_CONFIGURABLE_SIZE} or {@code maxOpenShards} below 1
     */
    public OpenOptions {
        java.util.Objects.requireNonNull(strategy, "strategy must be non-null");
        Header.checkLimit(maxHeaderSize);
        if (maxOpenShards < 1) {
            throw new IllegalArgumentException("maxOpenShards must be at least 1, got " + maxOpenShards);
        }
    }

    /**
     * The options of earlier versions: links stay inside, {@link #DEFAULT_MAX_OPEN_SHARDS}.
     *
     * @param strategy      mmap or positional reads
     * @param maxHeaderSize the largest header accepted, in bytes
     * @param arena         the caller's arena to map into, or null for one the handle owns
     */
    public OpenOptions(ReadStrategy strategy, long maxHeaderSize, Arena arena) {
        this(strategy, maxHeaderSize, arena, false, DEFAULT_MAX_OPEN_SHARDS);
    }

    /**
     * {@return the default options: mmap, the reference's header limit, an arena owned by the handle, shard links
     * inside their directory, {@link #DEFAULT_MAX_OPEN_SHARDS}}
     */
    public static OpenOptions defaults() {
        return DEFAULTS;
    }

    /**
     * {@return these options with another read strategy}
     *
     * @param newStrategy {@link ReadStrategy#MMAP} or {@link ReadStrategy#PREAD}
     */
    public OpenOptions withStrategy(ReadStrategy newStrategy) {
        return new OpenOptions(newStrategy, maxHeaderSize, arena, linksOutsideAllowed, maxOpenShards);
    }

    /**
     * {@return these options with another header size limit}
     *
     * @param newMax bytes, at most {@link Header#MAX_CONFIGURABLE_SIZE}
     * @throws IllegalArgumentException outside 0 to {@link Header#MAX_CONFIGURABLE_SIZE}
     */
    public OpenOptions withMaxHeaderSize(long newMax) {
        return new OpenOptions(strategy, newMax, arena, linksOutsideAllowed, maxOpenShards);
    }

    /**
     * {@return these options, mapping into the caller's arena} The caller closes it, after the handle.
     *
     * @param callerArena the arena that will own the mapping, or null for one the handle owns
     */
    public OpenOptions withArena(Arena callerArena) {
        return new OpenOptions(strategy, maxHeaderSize, callerArena, linksOutsideAllowed, maxOpenShards);
    }

    /**
     * {@return these options, saying whether shards that are symbolic links may lead anywhere} Off by default:
     * a shard must then resolve inside its directory, or inside the cache repository for a Hugging Face cache
     * snapshot ({@code models--org--name/snapshots/<commit>/}, whose files link into {@code ../../blobs/}).
     *
     * @param allowed true to follow shard links wherever they lead
     */
    public OpenOptions withLinksOutsideAllowed(boolean allowed) {
        return new OpenOptions(strategy, maxHeaderSize, arena, allowed, maxOpenShards);
    }

    /**
     * {@return these options with another limit on open shard files}
     *
     * @param max how many shard files may be open at once
     * @throws IllegalArgumentException below 1
     */
    public OpenOptions withMaxOpenShards(int max) {
        return new OpenOptions(strategy, maxHeaderSize, arena, linksOutsideAllowed, max);
    }
}
