package dev.safetensors.torch.internal.checkpoint;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;
import static dev.safetensors.SafeTensorsException.Kind.InvalidOffset;
import static dev.safetensors.SafeTensorsException.Kind.InvalidTensorView;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.torch.internal.copy.StridedView;
import java.util.Arrays;

/**
 * Checks a tensor's view against its storage, as {@code Tensor.set_} does, and describes it in safetensors
 * terms: a dtype, a shape, and the strided view its bytes come from.
 */
public final class Views {
    private Views() {
    }

    /** A tensor ready to write: safetensors dtype and shape, and where its elements are. */
    public record Checked(DType dtype, long[] shape, StridedView view) {
    }

    /**
     * @throws SafeTensorsException {@code InvalidHeaderDeserialization} for a dtype safetensors lacks,
     *         {@code InvalidTensorView} for a negative size, stride or offset, {@code ValidationOverflow} when the
     *         element count or byte size overflows, {@code InvalidOffset} when the view reads past its storage
     */
    public static Checked check(String name, TensorRef t, Storage storage, String source) {
        TorchDType dtype = t.dtype();
        if (dtype.dtype() == null) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, source, "tensor `" + name + "` is " + dtype
                    + ": " + dtype.unsupported());
        }
        String what = "tensor `" + name + "`";
        long[] sizes = t.sizes();
        long[] strides = t.strides();
        if (t.offset() < 0 || Arrays.stream(sizes).anyMatch(s -> s < 0) || Arrays.stream(strides).anyMatch(s -> s < 0)) {
            throw new SafeTensorsException(InvalidTensorView, source, what + " has a negative storage offset, size or "
                    + "stride (offset " + t.offset() + ", size " + Arrays.toString(sizes) + ", stride "
                    + Arrays.toString(strides) + "), which PyTorch never saves");
        }
        long numel = 1;
        for (long s : sizes) {
            numel = Sizes.multiply(numel, s, source, what + " of size " + Arrays.toString(sizes));
        }
        int es = dtype.elementSize();
        Sizes.multiply(numel, es, source, what + " of " + numel + " elements");
        // The last element read, in elements of the dtype from the view's start (PyTorch's storage extent).
        long last = t.offset();
        if (numel > 0) {
            try {
                for (int d = 0; d < sizes.length; d++) {
                    last = Math.addExact(last, Math.multiplyExact(sizes[d] - 1, strides[d]));
                }
            } catch (ArithmeticException e) {
                throw new SafeTensorsException(InvalidOffset, source, what + " reaches past 2^63 elements of its storage");
            }
        }
        StorageRef ref = t.storage();   // the tensor's own: a legacy view of the storage starts at its offset
        long viewStart = Sizes.multiply(ref.viewOffset(), ref.type().dtype().elementSize(), source, "storage view");
        long viewBytes = Sizes.multiply(ref.viewNumel(), ref.type().dtype().elementSize(), source, "storage view");
        long available = viewBytes / es;
        if (numel > 0 && last >= available) {
            throw new SafeTensorsException(InvalidOffset, source, what + " reads element " + last + " of storage `"
                    + ref.key() + "`, which holds " + available + " (" + ref.type() + " of " + ref.viewNumel()
                    + "; offset " + t.offset() + ", size " + Arrays.toString(sizes) + ", stride " + Arrays.toString(strides)
                    + ")");
        }
        long[] shape = sizes;
        if (dtype.packedPairs()) {
            if (sizes.length == 0) {
                throw new SafeTensorsException(InvalidTensorView, source, what + " is a 0-d " + dtype
                        + ", which has no safetensors shape");
            }
            shape = sizes.clone();
            shape[shape.length - 1] = Sizes.multiply(shape[shape.length - 1], 2, source, what);
        }
        int swap = !storage.bigEndian() || es == 1 ? 1 : dtype.dtype() == DType.C64 ? es / 2 : es;
        StridedView view = new StridedView(storage.bytes(), viewStart + t.offset() * es, es, swap, sizes, strides);
        return new Checked(dtype.dtype(), shape, view);
    }

    /** Where the view's first and one-past-last bytes lie in its storage, as the reference's helper measures it. */
    static long[] byteRange(TensorRef t) {
        int es = t.dtype().elementSize();
        long start = t.offset() * es;
        long numel = 1;
        long last = 0;
        for (int d = 0; d < t.rank(); d++) {
            numel *= t.size(d);
            last += (t.size(d) - 1) * t.stride(d);
        }
        return new long[] {start, numel == 0 ? start : start + (last + 1) * es};
    }
}
