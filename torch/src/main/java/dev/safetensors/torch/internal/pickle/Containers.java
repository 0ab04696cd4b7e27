package dev.safetensors.torch.internal.pickle;

import java.util.ArrayList;
import java.util.List;

/**
 * The lists, tuples, dicts and sets a pickle builds, with every element charged to the {@link Budget}
 * before it is added. Targets are checked as CPython's unpickler would fail on them, except that nothing
 * but a real list, dict or set is ever appended to (CPython would call an object's {@code append}).
 * In the scan, a target that a call would have built is opaque and accepted.
 */
final class Containers {
    private final Budget budget;
    private final boolean scan;

    Containers(Budget budget, boolean scan) {
        this.budget = budget;
        this.scan = scan;
    }

    PyTuple tuple(List<Object> items) {
        budget.chargeElement(items.size(), Budget.OBJECT + items.size() * Budget.REFERENCE);
        return new PyTuple(items);
    }

    List<Object> list(List<Object> items) {
        budget.chargeElement(items.size(), Budget.OBJECT + items.size() * Budget.REFERENCE);
        return new ArrayList<>(items);
    }

    PyDict dict(List<Object> items) {
        budget.charge(Budget.OBJECT);
        PyDict d = new PyDict(false);
        put(d, items);
        return d;
    }

    PySet set(boolean frozen, List<Object> items) {
        budget.charge(Budget.OBJECT);
        PySet s = new PySet(frozen);
        add(s, items);
        return s;
    }

    /** APPEND, APPENDS. */
    void append(Object target, List<Object> items, Opcode op) {
        if (target instanceof List<?> raw) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) raw;
            budget.chargeElement((long) list.size() + items.size(), items.size() * Budget.REFERENCE);
            list.addAll(items);
        } else if (!opaque(target)) {
            throw PickleError.malformed(op + " on " + PyValues.describe(target) + ", not a list");
        }
    }

    /** SETITEM, SETITEMS: key, value, key, value, ... */
    void setItems(Object target, List<Object> items, Opcode op) {
        if (target instanceof PyDict d) {
            put(d, items);
        } else if (!opaque(target)) {
            throw PickleError.malformed(op + " on " + PyValues.describe(target) + ", not a dict");
        }
    }

    /** ADDITEMS. */
    void addItems(Object target, List<Object> items, Opcode op) {
        if (target instanceof PySet s && !s.frozen()) {
            add(s, items);
        } else if (!opaque(target)) {
            throw PickleError.malformed(op + " on " + PyValues.describe(target) + ", not a set");
        }
    }

    private void put(PyDict d, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw PickleError.malformed("an odd number of values (" + items.size() + ") for dict items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            Object key = items.get(i);
            if (!PyValues.hashable(key)) {
                throw PickleError.malformed("a dict key of type " + PyValues.describe(key)
                        + " (keys must be strings, numbers, bytes, None or small tuples of them)");
            }
            budget.chargeElement(d.entries().size() + 1L, 4 * Budget.REFERENCE);
            d.entries().put(key, items.get(i + 1));
        }
    }

    private void add(PySet s, List<Object> items) {
        for (Object item : items) {
            if (!PyValues.hashable(item)) {
                throw PickleError.malformed("a set item of type " + PyValues.describe(item));
            }
            budget.chargeElement(s.items().size() + 1L, 4 * Budget.REFERENCE);
            s.items().add(item);
        }
    }

    private boolean opaque(Object target) {
        return scan && (target == Opaque.VALUE || target instanceof PyGlobal);
    }
}
