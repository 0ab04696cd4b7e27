package dev.safetensors.torch.internal.pickle;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Python {@code dict} or {@code collections.OrderedDict}: entries in insertion order. Only an OrderedDict
 * accepts {@code BUILD}, which sets instance attributes (a state dict's {@code _metadata}); they are kept
 * apart from the entries, as Python keeps {@code __dict__} apart from the items.
 */
public final class PyDict {
    private final boolean ordered;
    private final Map<Object, Object> entries = new LinkedHashMap<>();
    private final Map<Object, Object> attributes = new LinkedHashMap<>();

    public PyDict(boolean ordered) {
        this.ordered = ordered;
    }

    /** Whether this is an OrderedDict (which BUILD may give attributes), not a plain dict. */
    public boolean ordered() {
        return ordered;
    }

    public Map<Object, Object> entries() {
        return entries;
    }

    /** Attributes set by BUILD, e.g. {@code _metadata}. */
    public Map<Object, Object> attributes() {
        return attributes;
    }

    @Override
    public String toString() {
        return (ordered ? "OrderedDict(" : "dict(") + entries.size() + ")";
    }
}
