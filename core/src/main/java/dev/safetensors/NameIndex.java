package dev.safetensors;

/**
 * Tensor name → position in header order: an open-addressing table of ints over the names array.
 * A {@code HashMap<String, Integer>} costs a node and a boxed integer per tensor and dominated the parse
 * time of 10^5-tensor headers; this costs one int slot per tensor, twice over.
 */
final class NameIndex {
    private int[] slots;      // index + 1, 0 = empty
    private int mask;
    private int size;

    NameIndex(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected) * 2 - 1) << 1;
        slots = new int[capacity];
        mask = capacity - 1;
    }

    /**
     * Adds {@code names[index]} unless an equal name is present.
     *
     * @return -1 when added, else the index holding the equal name
     */
    int putIfAbsent(String[] names, int index) {
        if ((size + 1) * 2 > slots.length) {
            grow(names);
        }
        int s = slotOf(names, names[index]);
        if (slots[s] != 0) {
            return slots[s] - 1;
        }
        slots[s] = index + 1;
        size++;
        return -1;
    }

    /** The index of {@code name}, or -1. */
    int get(String[] names, String name) {
        return slots[slotOf(names, name)] - 1;
    }

    /** The slot holding {@code name}, or the empty slot where it would go. */
    private int slotOf(String[] names, String name) {
        int i = spread(name.hashCode()) & mask;
        while (slots[i] != 0 && !names[slots[i] - 1].equals(name)) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private void grow(String[] names) {
        int[] old = slots;
        slots = new int[old.length * 2];
        mask = slots.length - 1;
        for (int s : old) {
            if (s != 0) {
                int i = spread(names[s - 1].hashCode()) & mask;
                while (slots[i] != 0) {
                    i = (i + 1) & mask;
                }
                slots[i] = s;
            }
        }
    }

    /** Mixes high bits down: names that differ only in a trailing digit must not cluster. */
    private static int spread(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
