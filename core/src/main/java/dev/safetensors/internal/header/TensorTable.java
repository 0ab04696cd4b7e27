package dev.safetensors.internal.header;

import dev.safetensors.DType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The tensor table of a header in header order, as parallel arrays. Filled by the parser, then never
 * changed. Names are kept as UTF-8 byte ranges of the header (or, for names written with escapes, of a side
 * buffer of their decoded bytes) and become strings only when asked for.
 */
public final class TensorTable {
    private final byte[] json;
    int size;
    private int[] nameAt;        // >= 0: offset in json; < 0: -(offset + 1) in extra
    private int[] nameLength;
    private String[] names;       // decoded on demand
    private byte[] extra = new byte[0];
    private int extraLength;
    DType[] dtypes;
    long[][] shapes;
    long[] begins;
    long[] ends;
    final NameIndex index;

    /** @param expectedTensors a guess from the header size, so that large tables rarely regrow */
    TensorTable(byte[] json, int expectedTensors) {
        this.json = json;
        int n = Math.max(16, expectedTensors);
        nameAt = new int[n];
        nameLength = new int[n];
        names = new String[n];
        dtypes = new DType[n];
        shapes = new long[n][];
        begins = new long[n];
        ends = new long[n];
        index = new NameIndex(n);
    }

    /**
     * Adds a tensor whose name is {@code json[at, at + length)}, or, when it was written with escapes,
     * {@code decoded}; false when the name is taken.
     */
    boolean add(int at, int length, String decoded, DType dtype, long[] shape, long begin, long end) {
        if (size == dtypes.length) {
            int n = size * 2;
            nameAt = Arrays.copyOf(nameAt, n);
            nameLength = Arrays.copyOf(nameLength, n);
            names = Arrays.copyOf(names, n);
            dtypes = Arrays.copyOf(dtypes, n);
            shapes = Arrays.copyOf(shapes, n);
            begins = Arrays.copyOf(begins, n);
            ends = Arrays.copyOf(ends, n);
        }
        if (decoded != null) {
            byte[] utf8 = decoded.getBytes(StandardCharsets.UTF_8);
            if (extraLength + utf8.length > extra.length) {
                extra = Arrays.copyOf(extra, Math.max(2 * extra.length, extraLength + utf8.length));
            }
            System.arraycopy(utf8, 0, extra, extraLength, utf8.length);
            nameAt[size] = -(extraLength + 1);
            nameLength[size] = utf8.length;
            extraLength += utf8.length;
            names[size] = decoded;
        } else {
            nameAt[size] = at;
            nameLength[size] = length;
        }
        if (index.putIfAbsent(this, size) >= 0) {
            if (decoded != null) {
                extraLength -= nameLength[size];
            }
            names[size] = null;
            return false;
        }
        dtypes[size] = dtype;
        shapes[size] = shape;
        begins[size] = begin;
        ends[size] = end;
        size++;
        return true;
    }

    /** Number of tensors. */
    public int size() {
        return size;
    }

    public DType dtype(int i) {
        return dtypes[i];
    }

    /** The dimensions of tensor {@code i}: the table's own array, never to be changed. */
    public long[] shape(int i) {
        return shapes[i];
    }

    public long begin(int i) {
        return begins[i];
    }

    public long end(int i) {
        return ends[i];
    }

    /** The position of the tensor called {@code name} in header order, or -1. */
    public int indexOf(String name) {
        return index.get(this, name);
    }

    /** The name of tensor {@code i} as a string (decoded once, then cached; races only repeat the work). */
    public String name(int i) {
        String s = names[i];
        if (s == null) {
            s = new String(bytes(i), offset(i), nameLength[i], StandardCharsets.UTF_8);
            names[i] = s;
        }
        return s;
    }

    private byte[] bytes(int i) {
        return nameAt[i] >= 0 ? json : extra;
    }

    private int offset(int i) {
        return nameAt[i] >= 0 ? nameAt[i] : -nameAt[i] - 1;
    }

    int nameHash(int i) {
        return hash(bytes(i), offset(i), nameLength[i]);
    }

    boolean sameName(int a, int b) {
        return Arrays.equals(bytes(a), offset(a), offset(a) + nameLength[a],
                bytes(b), offset(b), offset(b) + nameLength[b]);
    }

    boolean nameEquals(int i, byte[] utf8) {
        return Arrays.equals(bytes(i), offset(i), offset(i) + nameLength[i], utf8, 0, utf8.length);
    }

    /** Orders names by their UTF-8 bytes, which is code-point order. */
    public int compareNames(int a, int b) {
        return Arrays.compareUnsigned(bytes(a), offset(a), offset(a) + nameLength[a],
                bytes(b), offset(b), offset(b) + nameLength[b]);
    }

    static int hash(byte[] b, int from, int length) {
        int h = 0;
        for (int k = from; k < from + length; k++) {
            h = 31 * h + b[k];
        }
        h *= 0x9E3779B9;   // spread: names that differ in a trailing digit must not cluster
        return h ^ (h >>> 16);
    }
}
