package dev.safetensors;

import java.util.Objects;

/**
 * What the header says about one tensor: name, dtype, shape and its byte range in the data buffer.
 *
 * <p>{@code begin} and {@code end} are the header's {@code data_offsets}, relative to the start of the
 * data buffer (byte {@code 8 + N} of the file), as unsigned 64-bit values. In a validated header they are
 * below 2^61.
 *
 * @param name  the tensor's name; any string, including the empty one
 * @param dtype element type
 * @param shape dimensions, outermost first
 * @param begin first byte, relative to the data buffer
 * @param end   one past the last byte, relative to the data buffer
 */
public record TensorInfo(String name, DType dtype, Shape shape, long begin, long end) {
    /**
     * Checks that name, dtype and shape are given.
     *
     * @throws NullPointerException when one is null
     */
    public TensorInfo {
        Objects.requireNonNull(name, "name must be non-null");
        Objects.requireNonNull(dtype, "dtype must be non-null");
        Objects.requireNonNull(shape, "shape must be non-null");
    }

    /** {@return number of bytes the tensor occupies: {@code end - begin}} */
    public long byteSize() {
        return end - begin;
    }

    /** {@return number of elements: the product of the shape (1 for a scalar)} */
    public long elementCount() {
        return shape.elementCount();
    }
}
