package dev.safetensors.torch.internal.pickle;

import java.util.LinkedHashSet;
import java.util.Set;

/** A Python {@code set} or {@code frozenset} (only a set accepts {@code ADDITEMS}). */
public final class PySet {
    private final boolean frozen;
    private final Set<Object> items = new LinkedHashSet<>();

    public PySet(boolean frozen) {
        this.frozen = frozen;
    }

    public boolean frozen() {
        return frozen;
    }

    public Set<Object> items() {
        return items;
    }

    @Override
    public String toString() {
        return (frozen ? "frozenset(" : "set(") + items.size() + ")";
    }
}
