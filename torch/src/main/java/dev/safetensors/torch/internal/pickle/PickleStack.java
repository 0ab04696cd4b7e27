package dev.safetensors.torch.internal.pickle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pickle machine's stack, marks and memo, as CPython keeps them (one stack, marks as positions in it),
 * with their sizes capped by the {@link Budget}'s limits.
 */
final class PickleStack {
    private final Budget budget;
    private final ArrayList<Object> values = new ArrayList<>();
    private int[] marks = new int[16];
    private int markCount;
    private final Map<Long, Object> memo = new HashMap<>();

    PickleStack(Budget budget) {
        this.budget = budget;
    }

    void push(Object v) {
        checkDepth();
        values.add(v);
    }

    Object pop(Opcode op) {
        requireValue(op);
        return values.removeLast();
    }

    Object top(Opcode op) {
        requireValue(op);
        return values.getLast();
    }

    /** POP: the top value, or the last mark with what is above it when nothing is (CPython's rule). */
    void discard(Opcode op) {
        if (values.size() > lastMark()) {
            values.removeLast();
        } else if (markCount > 0) {
            popMark(op);
        } else {
            throw PickleError.malformed(op + " on an empty stack");
        }
    }

    /** The last {@code n} values above the last mark, removed. */
    List<Object> popTail(Opcode op, int n) {
        if (values.size() - lastMark() < n) {
            throw PickleError.malformed(op + " needs " + n + " values on the stack");
        }
        List<Object> tail = values.subList(values.size() - n, values.size());
        List<Object> items = new ArrayList<>(tail);
        tail.clear();
        return items;
    }

    void mark() {
        checkDepth();
        if (markCount == marks.length) {
            marks = Arrays.copyOf(marks, marks.length * 2);
        }
        marks[markCount++] = values.size();
    }

    /** The values above the last MARK, removed with it. */
    List<Object> popMark(Opcode op) {
        if (markCount == 0) {
            throw PickleError.malformed(op + " needs a MARK on the stack, but there is none");
        }
        int from = marks[--markCount];
        List<Object> tail = values.subList(from, values.size());
        List<Object> items = new ArrayList<>(tail);
        tail.clear();
        return items;
    }

    Object memoGet(long index) {
        Object v = memo.get(index);
        if (v == null) {
            throw PickleError.malformed("memo entry " + index + " is read before it is set");
        }
        return v;
    }

    void memoPut(long index, Object value) {
        if (!memo.containsKey(index)) {
            if (memo.size() >= budget.limits().maxMemoEntries()) {
                throw PickleError.malformed("more than " + budget.limits().maxMemoEntries()
                        + " memo entries (PickleLimits.maxMemoEntries)");
            }
            budget.charge(Budget.OBJECT + Budget.REFERENCE);
        }
        memo.put(index, value);
    }

    /** MEMOIZE stores at the memo's current size, as CPython does. */
    long memoSize() {
        return memo.size();
    }

    private int lastMark() {
        return markCount == 0 ? 0 : marks[markCount - 1];
    }

    private void requireValue(Opcode op) {
        if (values.size() <= lastMark()) {
            throw PickleError.malformed(op + " on an empty stack");
        }
    }

    private void checkDepth() {
        if (values.size() + markCount >= budget.limits().maxStackDepth()) {
            throw PickleError.malformed("more than " + budget.limits().maxStackDepth()
                    + " values and marks on the stack (PickleLimits.maxStackDepth)");
        }
    }
}
