package dev.safetensors.internal.header;

import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;

/**
 * The dimensions of a tensor read back from the header text, which the parser has already checked
 * (an array of unsigned integers below 2^64, with JSON whitespace). Shapes are not stored when parsed:
 * the text is kept anyway, so reading it again costs no memory, where a {@code long[]} per tensor costs
 * up to four times the header of a hostile file.
 */
final class DimsText implements PrimitiveIterator.OfLong {
    private final byte[] json;
    private int at;

    /** @param open the position of the shape's {@code [} */
    DimsText(byte[] json, int open) {
        this.json = json;
        this.at = open + 1;
        skipSeparators();
    }

    /** The number of dimensions of the shape whose {@code [} is at {@code open}. */
    static int rank(byte[] json, int open) {
        int i = open + 1;
        int rank = 0;
        boolean inNumber = false;
        for (; json[i] != ']'; i++) {
            boolean digit = json[i] >= '0' && json[i] <= '9';
            if (digit && !inNumber) {
                rank++;
            }
            inNumber = digit;
        }
        return rank;
    }

    @Override
    public boolean hasNext() {
        return json[at] != ']';
    }

    @Override
    public long nextLong() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        long v = 0;
        while (json[at] >= '0' && json[at] <= '9') {
            v = v * 10 + (json[at++] - '0');   // below 2^64: wraps into the unsigned value
        }
        skipSeparators();
        return v;
    }

    private void skipSeparators() {
        while (json[at] == ',' || json[at] == ' ' || json[at] == '\t' || json[at] == '\n' || json[at] == '\r') {
            at++;
        }
    }
}
