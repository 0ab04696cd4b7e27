package dev.safetensors;

import dev.safetensors.internal.text.Elide;
import java.util.Arrays;
import java.util.PrimitiveIterator;

/**
 * An immutable tensor shape: the dimension sizes, outermost first.
 *
 * <p>Dimensions are unsigned 64-bit values, as in the format: a dimension of 2^63 or more is legal next
 * to a zero dimension and prints as an unsigned number. A validated header guarantees that
 * {@link #elementCount()} fits in a {@code long}.
 *
 * <pre>{@code
 * Shape s = Shape.of(2, 3);
 * s.rank();          // 2
 * s.elementCount();  // 6
 * s.toString();      // [2, 3]
 * }</pre>
 */
public final class Shape {
    private static final Shape SCALAR = new Shape(new long[0], null);

    /** Shapes read from a header above this rank are packed: only a hostile file has them. */
    private static final int MAX_PLAIN_RANK = 64;

    private final long[] dims;          // null when packed
    private final PackedDims packed;    // non-null only for ranks above MAX_PLAIN_RANK

    private Shape(long[] dims, PackedDims packed) {
        this.dims = dims;
        this.packed = packed;
    }

    /**
     * {@return a shape with the given dimensions (copied)} {@code Shape.of()} is the scalar shape.
     *
     * @param dims the dimensions, outermost first, each read as unsigned
     */
    public static Shape of(long... dims) {
        return dims.length == 0 ? SCALAR : new Shape(dims.clone(), null);
    }

    /**
     * {@code rank} dimensions read from {@code dims}: a header's shape, held in about one byte per
     * dimension when its rank is absurd, so that touching such a tensor costs no more than its header text.
     */
    static Shape read(int rank, PrimitiveIterator.OfLong dims) {
        if (rank == 0) {
            return SCALAR;
        }
        if (rank > MAX_PLAIN_RANK) {
            return new Shape(null, PackedDims.of(rank, dims));
        }
        long[] d = new long[rank];
        for (int i = 0; i < rank; i++) {
            d[i] = dims.nextLong();
        }
        return new Shape(d, null);
    }

    /** {@return number of dimensions; 0 for a scalar} */
    public int rank() {
        return dims != null ? dims.length : packed.rank();
    }

    /**
     * {@return size of dimension {@code i} (unsigned)}
     *
     * @param i from 0 to {@link #rank()} - 1
     */
    public long dim(int i) {
        return dims != null ? dims[i] : packed.dim(i);
    }

    /** {@return a copy of the dimensions} */
    public long[] dims() {
        if (dims != null) {
            return dims.clone();
        }
        long[] d = new long[packed.rank()];
        PrimitiveIterator.OfLong it = packed.iterator(0);
        for (int i = 0; i < d.length; i++) {
            d[i] = it.nextLong();
        }
        return d;
    }

    /**
     * {@return product of the dimensions (1 for a scalar)}
     *
     * @throws ArithmeticException when the product does not fit an unsigned 64-bit value
     */
    public long elementCount() {
        long n = 1;
        PrimitiveIterator.OfLong it = iterator();
        while (it.hasNext()) {
            long d = it.nextLong();
            if (Math.unsignedMultiplyHigh(n, d) != 0) {
                throw new ArithmeticException("element count of " + Elide.shape(this) + " overflows 64 bits");
            }
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Shape s) || s.rank() != rank()) {
            return false;
        }
        if (dims != null && s.dims != null) {
            return Arrays.equals(dims, s.dims);
        }
        PrimitiveIterator.OfLong a = iterator();
        PrimitiveIterator.OfLong b = s.iterator();
        while (a.hasNext()) {
            if (a.nextLong() != b.nextLong()) {
                return false;
            }
        }
        return true;
    }

    /** {@link Arrays#hashCode(long[])} of the dimensions, whichever way they are held. */
    @Override
    public int hashCode() {
        if (dims != null) {
            return Arrays.hashCode(dims);
        }
        int h = 1;
        PrimitiveIterator.OfLong it = iterator();
        while (it.hasNext()) {
            long d = it.nextLong();
            h = 31 * h + Long.hashCode(d);
        }
        return h;
    }

    /**
     * {@code [2, 3]}, {@code []} for a scalar; dimensions printed unsigned. Every dimension is written, so a
     * shape of absurd rank makes a long string: messages use a shortened form.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        PrimitiveIterator.OfLong it = iterator();
        for (int i = 0; it.hasNext(); i++) {
            sb.append(i == 0 ? "" : ", ").append(Long.toUnsignedString(it.nextLong()));
        }
        return sb.append(']').toString();
    }

    /** The dimensions in order, however they are held. */
    private PrimitiveIterator.OfLong iterator() {
        if (packed != null) {
            return packed.iterator(0);
        }
        return new PrimitiveIterator.OfLong() {
            private int i;

            @Override
            public boolean hasNext() {
                return i < dims.length;
            }

            @Override
            public long nextLong() {
                return dims[i++];
            }
        };
    }
}
