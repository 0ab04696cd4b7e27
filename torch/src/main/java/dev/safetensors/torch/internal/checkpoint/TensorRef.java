package dev.safetensors.torch.internal.checkpoint;

import java.util.Arrays;

/**
 * A tensor as the rebuild functions describe it: a view (offset, sizes, strides in elements of
 * {@code dtype}) into a storage. Built by the allowlist's constructors, checked against the storage
 * when the checkpoint is opened.
 */
public record TensorRef(StorageRef storage, TorchDType dtype, long offset, long[] sizes, long[] strides,
        boolean parameter) {
    public TensorRef {
        sizes = sizes.clone();
        strides = strides.clone();
    }

    @Override
    public long[] sizes() {
        return sizes.clone();
    }

    @Override
    public long[] strides() {
        return strides.clone();
    }

    public int rank() {
        return sizes.length;
    }

    public long size(int d) {
        return sizes[d];
    }

    public long stride(int d) {
        return strides[d];
    }

    TensorRef asParameter() {
        return new TensorRef(storage, dtype, offset, sizes, strides, true);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(sizes);
    }

    @Override
    public boolean equals(Object o) {
        return this == o;   // identity, as Python's tensors: two references to one object are one tensor
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
