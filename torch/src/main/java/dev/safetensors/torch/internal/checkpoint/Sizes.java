package dev.safetensors.torch.internal.checkpoint;

import dev.safetensors.SafeTensorsException;

/** Byte counts of declared storages and views, with every multiplication checked. */
final class Sizes {
    private Sizes() {
    }

    /** {@code numel × element size} of a storage. */
    static long storageBytes(StorageRef ref, String source) {
        return multiply(ref.numel(), ref.type().dtype().elementSize(), source, "storage `" + ref.key() + "`");
    }

    static long multiply(long a, long b, String source, String what) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.ValidationOverflow, source, what + ": "
                    + a + " × " + b + " overflows 64 bits");
        }
    }
}
