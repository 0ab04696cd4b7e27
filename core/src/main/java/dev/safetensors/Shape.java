package dev.safetensors;

import java.util.Arrays;

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
    private static final Shape SCALAR = new Shape(new long[0]);

    private final long[] dims;

    private Shape(long[] dims) {
        this.dims = dims;
    }

    /** A shape with the given dimensions (copied). {@code Shape.of()} is the scalar shape. */
    public static Shape of(long... dims) {
        return dims.length == 0 ? SCALAR : new Shape(dims.clone());
    }

    /** Wraps an array this package owns and never changes. */
    static Shape wrap(long[] dims) {
        return dims.length == 0 ? SCALAR : new Shape(dims);
    }

    /** Number of dimensions; 0 for a scalar. */
    public int rank() {
        return dims.length;
    }

    /** Size of dimension {@code i} (unsigned). */
    public long dim(int i) {
        return dims[i];
    }

    /** A copy of the dimensions. */
    public long[] dims() {
        return dims.clone();
    }

    /**
     * Product of the dimensions (1 for a scalar).
     *
     * @throws ArithmeticException when the product does not fit an unsigned 64-bit value
     */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            if (Math.unsignedMultiplyHigh(n, d) != 0) {
                throw new ArithmeticException("element count of " + this + " overflows 64 bits");
            }
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** {@code [2, 3]}, {@code []} for a scalar; dimensions printed unsigned. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(Long.toUnsignedString(dims[i]));
        }
        return sb.append(']').toString();
    }
}
