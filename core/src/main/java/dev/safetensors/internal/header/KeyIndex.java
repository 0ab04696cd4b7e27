package dev.safetensors.internal.header;

import dev.safetensors.internal.json.Utf8;

/**
 * Key → id for keys that are UTF-8 byte strings held elsewhere (tensor names, metadata keys): an
 * open-addressing table of ints, built once for a known number of keys, hashed with {@link KeyedHash}.
 *
 * <p>Sized exactly when built, never regrown: the parser counts first, so the table costs
 * {@code 8 × capacity} bytes and no more. Keys are never copied; {@link Keys} reads them where they are.
 * With a keyed hash no file can choose keys that share a slot, so every operation takes expected constant
 * time whatever the names.
 */
final class KeyIndex {
    /** Where the keys are: id → hash and bytes. */
    interface Keys {
        /** {@link KeyedHash#hash} of key {@code id}. */
        int hash(int id);

        /** Whether keys {@code a} and {@code b} are the same bytes. */
        boolean same(int a, int b);

        /** Whether key {@code id} is the bytes {@code utf8}. */
        boolean matches(int id, byte[] utf8);
    }

    private final int[] slots;    // id + 1; 0 = empty
    private final int[] hashes;   // the hash of the key in each slot

    /** @param capacity slots; more than the number of keys, ideally 1.5–2 times it */
    KeyIndex(int capacity) {
        slots = new int[Math.max(2, capacity)];
        hashes = new int[slots.length];
    }

    /**
     * Adds key {@code id} unless an equal key is present.
     *
     * @return -1 when added, else the id holding the equal key
     */
    int putIfAbsent(Keys keys, int id) {
        int h = keys.hash(id);
        int i = home(h);
        while (slots[i] != 0) {
            int other = slots[i] - 1;
            if (hashes[i] == h && keys.same(id, other)) {
                return other;
            }
            i = next(i);
        }
        slots[i] = id + 1;
        hashes[i] = h;
        return -1;
    }

    /** The id of the key {@code name}, or -1. */
    int get(Keys keys, String name) {
        byte[] utf8 = Utf8.encode(name);
        if (utf8 == null) {
            return -1;   // a lone surrogate: no key of a valid header can equal it
        }
        int h = KeyedHash.hash(utf8, 0, utf8.length);
        for (int i = home(h); slots[i] != 0; i = next(i)) {
            int other = slots[i] - 1;
            if (hashes[i] == h && keys.matches(other, utf8)) {
                return other;
            }
        }
        return -1;
    }

    /** Maps a hash onto the table by multiplication, so the capacity need not be a power of two. */
    private int home(int h) {
        return (int) (((h & 0xFFFFFFFFL) * slots.length) >>> 32);
    }

    private int next(int i) {
        return i + 1 == slots.length ? 0 : i + 1;
    }
}
