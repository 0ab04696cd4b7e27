package dev.safetensors.torch.internal.pickle;

import dev.safetensors.torch.PickleLimits;

/**
 * The memory the values built from one checkpoint's pickles may take, estimated and summed across its
 * streams: charged before each allocation, so a hostile pickle fails with a clear error, not an
 * {@code OutOfMemoryError}.
 */
public final class Budget {
    /** Estimated heap bytes of an object header, a reference, a boxed number. */
    static final long OBJECT = 32;
    static final long REFERENCE = 8;

    private final PickleLimits limits;
    private long used;

    public Budget(PickleLimits limits) {
        this.limits = limits;
    }

    public PickleLimits limits() {
        return limits;
    }

    /** Takes {@code bytes} from the budget. */
    void charge(long bytes) {
        used += bytes;
        if (used > limits.maxAllocatedBytes() || used < 0) {
            throw PickleError.malformed("the values built exceed the allocation limit of " + limits.maxAllocatedBytes()
                    + " bytes (PickleLimits.maxAllocatedBytes)");
        }
    }

    /** Checks a string or bytes length against the limit, then charges it. */
    void chargeString(long length) {
        if (length > limits.maxStringBytes()) {
            throw PickleError.malformed("a string of " + Long.toUnsignedString(length) + " bytes exceeds the limit of "
                    + limits.maxStringBytes() + " (PickleLimits.maxStringBytes)");
        }
        charge(OBJECT + 2 * length);
    }

    /** Checks a container's new size against the limit, then charges one more element. */
    void chargeElement(long newSize, long perElement) {
        if (newSize > limits.maxContainerSize()) {
            throw PickleError.malformed("a container of more than " + limits.maxContainerSize()
                    + " elements (PickleLimits.maxContainerSize)");
        }
        charge(perElement);
    }

    public long used() {
        return used;
    }
}
