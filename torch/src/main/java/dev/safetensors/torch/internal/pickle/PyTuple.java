package dev.safetensors.torch.internal.pickle;

import java.util.List;

/** A Python tuple: immutable, compared by content (used as a dict key only when it holds scalars). */
public record PyTuple(List<Object> items) {
    public static final PyTuple EMPTY = new PyTuple(List.of());

    public PyTuple {
        items = List.copyOf(items);
    }

    public static PyTuple of(Object... items) {
        return new PyTuple(List.of(items));
    }

    public int size() {
        return items.size();
    }

    public Object get(int i) {
        return items.get(i);
    }
}
