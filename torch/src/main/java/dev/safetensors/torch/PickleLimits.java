package dev.safetensors.torch;

/**
 * Bounds on what reading one checkpoint's pickles may cost. A pickle is a program for a stack machine:
 * these caps keep a hostile one from exhausting memory or time; each is checked before the memory is
 * taken, and breaking one is a {@link dev.safetensors.SafeTensorsException} naming the limit (kind
 * {@code HeaderTooLarge} for the pickle's size, {@code InvalidHeaderDeserialization} for the others).
 * The defaults are far above what any real state dict needs (a 1,000-tensor model's pickle is ~100 KB).
 *
 * <pre>{@code
 * PickleLimits big = PickleLimits.defaults().withMaxPickleBytes(1L << 30);
 * TorchCheckpoint.open(path, TorchOptions.defaults().withLimits(big));
 * }</pre>
 *
 * @param maxPickleBytes    the most bytes one pickle stream may have ({@code data.pkl}, or a legacy file's pickles)
 * @param maxStackDepth     the most values on the machine's stack, marks included
 * @param maxMemoEntries    the most memo entries
 * @param maxContainerSize  the most elements of one list, tuple, dict or set, and the most entries a
 *                          checkpoint's nested dicts may flatten to
 * @param maxStringBytes    the longest string or bytes value
 * @param maxAllocatedBytes an estimate of all memory the values built may take, summed
 */
public record PickleLimits(long maxPickleBytes, int maxStackDepth, int maxMemoEntries, int maxContainerSize,
        int maxStringBytes, long maxAllocatedBytes) {
    private static final PickleLimits DEFAULTS =
            new PickleLimits(100_000_000L, 1_000_000, 4_000_000, 10_000_000, 64 << 20, 1L << 29);

    /** Checks that every limit is positive. */
    public PickleLimits {
        if (maxPickleBytes <= 0 || maxStackDepth <= 0 || maxMemoEntries <= 0 || maxContainerSize <= 0
                || maxStringBytes <= 0 || maxAllocatedBytes <= 0) {
            throw new IllegalArgumentException("every pickle limit must be positive");
        }
        if (maxStringBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxStringBytes must fit a Java array: at most " + (Integer.MAX_VALUE - 8));
        }
    }

    /**
     * {@return the defaults: 100 MB of pickle, 10^6 stack values, 4·10^6 memo entries, 10^7 elements, 64 MiB
     * strings, 512 MiB in all}
     */
    public static PickleLimits defaults() {
        return DEFAULTS;
    }

    /**
     * {@return these limits with {@code maxPickleBytes} changed}
     *
     * @param n the new limit
     */
    public PickleLimits withMaxPickleBytes(long n) {
        return new PickleLimits(n, maxStackDepth, maxMemoEntries, maxContainerSize, maxStringBytes, maxAllocatedBytes);
    }

    /**
     * {@return these limits with {@code maxStackDepth} changed}
     *
     * @param n the new limit
     */
    public PickleLimits withMaxStackDepth(int n) {
        return new PickleLimits(maxPickleBytes, n, maxMemoEntries, maxContainerSize, maxStringBytes, maxAllocatedBytes);
    }

    /**
     * {@return these limits with {@code maxMemoEntries} changed}
     *
     * @param n the new limit
     */
    public PickleLimits withMaxMemoEntries(int n) {
        return new PickleLimits(maxPickleBytes, maxStackDepth, n, maxContainerSize, maxStringBytes, maxAllocatedBytes);
    }

    /**
     * {@return these limits with {@code maxContainerSize} changed}
     *
     * @param n the new limit
     */
    public PickleLimits withMaxContainerSize(int n) {
        return new PickleLimits(maxPickleBytes, maxStackDepth, maxMemoEntries, n, maxStringBytes, maxAllocatedBytes);
    }

    /**
     * {@return these limits with {@code maxStringBytes} changed}
     *
     * @param n the new limit
     */
    public PickleLimits withMaxStringBytes(int n) {
        return new PickleLimits(maxPickleBytes, maxStackDepth, maxMemoEntries, maxContainerSize, n, maxAllocatedBytes);
    }

    /**
     * {@return these limits with {@code maxAllocatedBytes} changed}
     *
     * @param n the new limit
     */
    public PickleLimits withMaxAllocatedBytes(long n) {
        return new PickleLimits(maxPickleBytes, maxStackDepth, maxMemoEntries, maxContainerSize, maxStringBytes, n);
    }
}
