package dev.safetensors.internal.header;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Tensor name → position in header order, over the names' UTF-8 bytes: an open-addressing table of ints.
 * Names stay bytes in the header until someone asks for them as strings, so a 10^5-tensor header costs
 * no string per name and no boxed integers (a {@code HashMap<String, Integer>} dominated parsing).
 */
final class NameIndex {
    private int[] slots;      // index + 1, 0 = empty
    private int[] hashes;     // hash of the name in each slot
    private int mask;
    private int size;

    NameIndex(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected) * 2 - 1) << 1;
        slots = new int[capacity];
        hashes = new int[capacity];
        mask = capacity - 1;
    }

    /**
     * Adds tensor {@code index} unless a tensor with the same name is present.
     *
     * @return -1 when added, else the index holding the equal name
     */
    int putIfAbsent(TensorTable t, int index) {
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        int h = t.nameHash(index);
        int i = h & mask;
        while (slots[i] != 0) {
            int other = slots[i] - 1;
            if (hashes[i] == h && t.sameName(index, other)) {
                return other;
            }
            i = (i + 1) & mask;
        }
        slots[i] = index + 1;
        hashes[i] = h;
        size++;
        return -1;
    }

    /** The index of the tensor called {@code name}, or -1. */
    int get(TensorTable t, String name) {
        byte[] utf8 = encode(name);
        if (utf8 == null) {
            return -1;   // a lone surrogate: no name in a valid header can equal it
        }
        int h = TensorTable.hash(utf8, 0, utf8.length);
        int i = h & mask;
        while (slots[i] != 0) {
            int other = slots[i] - 1;
            if (hashes[i] == h && t.nameEquals(other, utf8)) {
                return other;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    private void grow() {
        int[] oldSlots = slots;
        int[] oldHashes = hashes;
        slots = new int[oldSlots.length * 2];
        hashes = new int[oldSlots.length * 2];
        mask = slots.length - 1;
        for (int k = 0; k < oldSlots.length; k++) {
            if (oldSlots[k] != 0) {
                int i = oldHashes[k] & mask;
                while (slots[i] != 0) {
                    i = (i + 1) & mask;
                }
                slots[i] = oldSlots[k];
                hashes[i] = oldHashes[k];
            }
        }
    }

    /** Strict UTF-8, or null for a string with a lone surrogate; lookups without surrogates skip the encoder. */
    private static byte[] encode(String s) {
        boolean surrogates = false;
        for (int i = 0; i < s.length() && !surrogates; i++) {
            surrogates = Character.isSurrogate(s.charAt(i));
        }
        if (!surrogates) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        try {
            ByteBuffer bb = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] out = new byte[bb.remaining()];
            bb.get(out);
            return out;
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
