package dev.safetensors.torch;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.torch.internal.checkpoint.TensorRef;
import dev.safetensors.torch.internal.copy.StridedView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * One tensor of a {@link TorchCheckpoint}: what safetensors will call it (name, dtype, shape), how PyTorch
 * laid it out (storage, offset, strides), and its bytes, contiguous and little-endian.
 *
 * <pre>{@code
 * TorchTensor t = ckpt.tensor("encoder.weight");
 * t.dtype();            // F32
 * t.shape();            // [768, 3072]
 * t.isContiguous();     // false for a transposed view: data() then gathers it
 * writer.add(t.name(), t.dtype(), t.shape(), t.data());
 * }</pre>
 */
public final class TorchTensor {
    private final String name;
    private final Path file;
    private final DType dtype;
    private final Shape shape;
    private final TensorRef ref;
    private final StridedView view;
    private final BooleanSupplier closed;

    TorchTensor(String name, Path file, DType dtype, long[] shape, TensorRef ref, StridedView view,
            BooleanSupplier closed) {
        this.name = name;
        this.file = file;
        this.dtype = dtype;
        this.shape = Shape.of(shape);
        this.ref = ref;
        this.view = view;
        this.closed = closed;
    }

    /** {@return the dotted name it has in the flattened state dict} */
    public String name() {
        return name;
    }

    /** {@return the safetensors dtype} */
    public DType dtype() {
        return dtype;
    }

    /** {@return the safetensors shape} For {@code float4_e2m1fn_x2}, whose elements are pairs, the last dimension is doubled. */
    public Shape shape() {
        return shape;
    }

    /** {@return the byte size of the contiguous tensor} */
    public long byteSize() {
        return view.byteSize();
    }

    /** {@return PyTorch's strides, in elements} */
    public long[] strides() {
        return ref.strides();
    }

    /** {@return PyTorch's storage offset, in elements} */
    public long storageOffset() {
        return ref.offset();
    }

    /** {@return the key of the storage it views} ({@code data/<key>} in a zip archive.) */
    public String storageKey() {
        return ref.storage().key();
    }

    /** {@return where it was saved from} ({@code cpu}, {@code cuda:0}, {@code mps}): informational, bytes are read from the file. */
    public String location() {
        return ref.storage().location();
    }

    /** {@return whether it was saved as an {@code nn.Parameter}} A buffer or plain tensor otherwise. */
    public boolean isParameter() {
        return ref.parameter();
    }

    /** {@return whether its bytes are already one little-endian run in the file} Then {@link #data()} is zero-copy. */
    public boolean isContiguous() {
        return view.isContiguous() && view.swapUnit() == 1;
    }

    /** {@return the checkpoint file it is in} */
    public Path file() {
        return file;
    }

    /**
     * Its bytes in row-major order, little-endian, produced when a writer asks: a slice of the mapped file
     * when {@link #isContiguous()}, else gathered through a 1 MiB buffer. Valid until the checkpoint is closed.
     *
     * @return the bytes, for {@code SafeTensorsWriter.add}
     */
    public TensorData data() {
        TensorData bytes = view.data();
        return sink -> {
            if (closed.getAsBoolean()) {
                throw closedError();
            }
            try {
                bytes.writeTo(sink);
            } catch (IllegalStateException e) {   // the mapping was released while copying
                throw closedError();
            }
        };
    }

    private SafeTensorsException closedError() {
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, file.toString(), "the checkpoint is closed");
    }

    /** {@return a copy of its bytes} For small tensors: at most 2^31 − 9 bytes. */
    public byte[] toByteArray() {
        long size = byteSize();
        if (size > Integer.MAX_VALUE - 8) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, file.toString(), "tensor `"
                    + name + "` has " + size + " bytes, too many for a Java array: use data()");
        }
        byte[] out = new byte[(int) size];
        MemorySegment dst = MemorySegment.ofArray(out);
        long[] at = {0};
        try {
            data().writeTo(bytes -> {
                MemorySegment.copy(bytes, 0, dst, at[0], bytes.byteSize());
                at[0] += bytes.byteSize();
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + shape;
    }
}
