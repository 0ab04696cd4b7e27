package dev.safetensors.internal.header;

import dev.safetensors.DType;
import dev.safetensors.internal.text.Elide;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.PrimitiveIterator;

/**
 * The tensor table of a header in header order, as parallel arrays: about 40 bytes per tensor, whose
 * header entry takes at least 50. Filled by the parser, then never changed.
 *
 * <p>What the header text already holds is not copied: a name is a byte range of the header (names written
 * with escapes are decoded in place, see {@code JsonStrings}), a shape is the position of its text (read
 * again by {@link DimsText} when asked for). Names become strings only when asked for.
 */
public final class TensorTable {
    private static final DType[] DTYPES = DType.values();

    private final byte[] json;
    private final int maxTensors;
    int size;
    private int[] nameAt;
    private int[] nameLength;
    private byte[] dtypes;        // DType ordinals
    private int[] shapeAt;        // position of the shape's '[' in json
    long[] byteCounts;            // shape × dtype in bytes, or a SizeRule code
    long[] begins;
    long[] ends;
    private KeyIndex index;
    private final KeyIndex.Keys keys = new Names();
    private String[] names;       // decoded on demand

    /**
     * @param expectedTensors a guess from the header size, so that large tables rarely regrow
     * @param maxTensors      the most a header of this size can hold, so that growing never overshoots
     */
    TensorTable(byte[] json, int expectedTensors, int maxTensors) {
        this.json = json;
        this.maxTensors = Math.max(1, maxTensors);
        int n = Math.min(this.maxTensors, Math.max(16, expectedTensors));
        nameAt = new int[n];
        nameLength = new int[n];
        dtypes = new byte[n];
        shapeAt = new int[n];
        byteCounts = new long[n];
        begins = new long[n];
        ends = new long[n];
    }

    /** Adds a tensor whose name is the UTF-8 bytes {@code json[at, at + length)}. */
    void add(int at, int length, DType dtype, int shape, long byteCount, long begin, long end) {
        if (size == dtypes.length) {
            // Double, but not past the most the header can hold (never below one more, should that be wrong).
            resize((int) Math.max(size + 1L, Math.min(maxTensors, 2L * size)));
        }
        nameAt[size] = at;
        nameLength[size] = length;
        dtypes[size] = (byte) dtype.ordinal();
        shapeAt[size] = shape;
        byteCounts[size] = byteCount;
        begins[size] = begin;
        ends[size] = end;
        size++;
    }

    /**
     * Ends filling: trims the arrays when a quarter or more is unused and indexes the names.
     *
     * @return -1, or the index of the first tensor whose name an earlier one already has
     */
    int finish() {
        if (dtypes.length - size > size / 4) {
            resize(size);
        }
        index = new KeyIndex(2 * size + 1);
        for (int i = 0; i < size; i++) {
            if (index.putIfAbsent(keys, i) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private void resize(int n) {
        nameAt = Arrays.copyOf(nameAt, n);
        nameLength = Arrays.copyOf(nameLength, n);
        dtypes = Arrays.copyOf(dtypes, n);
        shapeAt = Arrays.copyOf(shapeAt, n);
        byteCounts = Arrays.copyOf(byteCounts, n);
        begins = Arrays.copyOf(begins, n);
        ends = Arrays.copyOf(ends, n);
    }

    /** Number of tensors. */
    public int size() {
        return size;
    }

    public DType dtype(int i) {
        return DTYPES[dtypes[i]];
    }

    /** Number of dimensions of tensor {@code i}. */
    public int rank(int i) {
        return DimsText.rank(json, shapeAt[i]);
    }

    /** The dimensions of tensor {@code i}, read from the header text. */
    public PrimitiveIterator.OfLong dims(int i) {
        return new DimsText(json, shapeAt[i]);
    }

    public long begin(int i) {
        return begins[i];
    }

    public long end(int i) {
        return ends[i];
    }

    /** The position of the tensor called {@code name} in header order, or -1. */
    public int indexOf(String name) {
        return index.get(keys, name);
    }

    /** The name of tensor {@code i} as a string (decoded once, then cached; races only repeat the work). */
    public String name(int i) {
        String[] cache = names;
        if (cache == null) {
            names = cache = new String[size];
        }
        String s = cache[i];
        if (s == null) {
            s = new String(json, nameAt[i], nameLength[i], StandardCharsets.UTF_8);
            cache[i] = s;
        }
        return s;
    }

    /** Where the name of tensor {@code i} starts in the header (for messages). */
    int nameAt(int i) {
        return nameAt[i];
    }

    /** The name of tensor {@code i}, shortened if absurdly long, for messages. */
    public String nameForMessage(int i) {
        return Elide.utf8(json, nameAt[i], nameAt[i] + nameLength[i]);
    }

    /** Orders names by their UTF-8 bytes, which is code-point order. */
    public int compareNames(int a, int b) {
        return Arrays.compareUnsigned(json, nameAt[a], nameAt[a] + nameLength[a], json, nameAt[b], nameAt[b] + nameLength[b]);
    }

    /** The names as keys of the index: byte ranges of the header. */
    private final class Names implements KeyIndex.Keys {
        @Override
        public int hash(int id) {
            return KeyedHash.hash(json, nameAt[id], nameLength[id]);
        }

        @Override
        public boolean same(int a, int b) {
            return Arrays.equals(json, nameAt[a], nameAt[a] + nameLength[a], json, nameAt[b], nameAt[b] + nameLength[b]);
        }

        @Override
        public boolean matches(int id, byte[] utf8) {
            return Arrays.equals(json, nameAt[id], nameAt[id] + nameLength[id], utf8, 0, utf8.length);
        }
    }
}
