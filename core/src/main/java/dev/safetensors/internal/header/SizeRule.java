package dev.safetensors.internal.header;

import dev.safetensors.DType;

/**
 * The reference's size rule (docs/format.md#size-rule) as a number: the bytes that shape × dtype occupy, or a negative
 * code for the first check that fails. Computed while the shape is read, so no dimension is kept; the
 * validator turns a code into the error in the reference's order.
 */
final class SizeRule {
    /** The element count overflows 64 bits: {@code ValidationOverflow}. */
    static final long ELEMENTS_OVERFLOW = -1;
    /** Elements × bits overflows 64 bits: {@code ValidationOverflow}. */
    static final long BITS_OVERFLOW = -2;
    /** The bits are not whole bytes (sub-byte dtypes): {@code MisalignedSlice}. */
    static final long NOT_WHOLE_BYTES = -3;

    private SizeRule() {
    }

    /** @param elements the product of the dimensions, meaningless when {@code overflow} */
    static long byteCount(long elements, boolean overflow, DType dtype) {
        if (overflow) {
            return ELEMENTS_OVERFLOW;
        }
        if (Math.unsignedMultiplyHigh(elements, dtype.bits()) != 0) {
            return BITS_OVERFLOW;
        }
        long bits = elements * dtype.bits();
        return (bits & 7) != 0 ? NOT_WHOLE_BYTES : bits >>> 3;
    }
}
