package dev.safetensors.torch.internal.pickle;

import dev.safetensors.torch.PickleLimits;
import java.util.List;

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

    /**
     * Charges what an allowlisted constructor may build from {@code args}, before it runs: at most one
     * element per element of each argument and of each argument's direct elements (a tensor's sizes inside
     * {@code _rebuild_from_type_v2}'s argument tuple), and four bytes per character of text (its UTF-8
     * encoding). Calls on one memoized argument are charged each time, as each builds a new value.
     */
    void chargeCall(List<Object> args) {
        long cost = OBJECT;
        for (Object a : args) {
            cost += cost(a, true);
        }
        charge(cost);
    }

    private static long cost(Object v, boolean deep) {
        long elements;
        Iterable<?> items;
        switch (v) {
            case String s -> {
                return 4L * s.length();
            }
            case PyBytes b -> {
                return b.bytes().length;
            }
            case PyTuple t -> {
                elements = t.size();
                items = t.items();
            }
            case List<?> l -> {
                elements = l.size();
                items = l;
            }
            case PyDict d -> {
                elements = d.entries().size();
                items = d.entries().values();
            }
            case PySet s -> {
                elements = s.items().size();
                items = s.items();
            }
            default -> {
                return REFERENCE;
            }
        }
        long cost = OBJECT + 4 * REFERENCE * elements;
        if (deep) {
            for (Object item : items) {
                cost += cost(item, false);
            }
        }
        return cost;
    }

    /** Charges a string of {@code length} characters built from the checkpoint's values (a flattened name). */
    public void chargeText(long length) {
        charge(OBJECT + 2 * length);
    }

    public long used() {
        return used;
    }
}
