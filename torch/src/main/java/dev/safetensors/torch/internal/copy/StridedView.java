package dev.safetensors.torch.internal.copy;

import dev.safetensors.TensorData;
import java.lang.foreign.MemorySegment;

/**
 * A tensor as PyTorch lays it out in a storage (an offset, sizes and strides in elements), and the way to
 * its contiguous little-endian bytes: a slice of the mapping when it is already contiguous and
 * little-endian, otherwise a gather through one small buffer (see {@link Gather}), so a non-contiguous or
 * big-endian tensor of any size converts in bounded memory. The view has been checked to lie inside the
 * storage.
 *
 * @param storage     the storage's bytes (a slice of the mapped file)
 * @param offset      bytes from the storage's start to element 0
 * @param elementSize bytes per element
 * @param swapUnit    1 for little-endian storages; else the width to byte-swap (the element, or half a complex)
 * @param sizes       sizes per dimension
 * @param strides     strides per dimension, in elements, none negative
 */
public record StridedView(MemorySegment storage, long offset, int elementSize, int swapUnit, long[] sizes, long[] strides) {
    public StridedView {
        sizes = sizes.clone();
        strides = strides.clone();
    }

    public long elementCount() {
        long n = 1;
        for (long s : sizes) {
            n *= s;
        }
        return n;
    }

    public long byteSize() {
        return elementCount() * elementSize;
    }

    /** Row-major order in the storage: what {@code torch.Tensor.is_contiguous()} says (size-1 dims ignored). */
    public boolean isContiguous() {
        if (elementCount() == 0) {
            return true;
        }
        long expected = 1;
        for (int d = sizes.length - 1; d >= 0; d--) {
            if (sizes[d] != 1 && strides[d] != expected) {
                return false;
            }
            expected *= sizes[d];
        }
        return true;
    }

    /** The contiguous little-endian bytes, produced when the writer asks for them. */
    public TensorData data() {
        if (elementCount() == 0) {
            return sink -> { };
        }
        if (swapUnit == 1 && isContiguous()) {
            return TensorData.of(storage.asSlice(offset, byteSize()));
        }
        return sink -> Gather.of(this).writeTo(sink);
    }
}
