package dev.safetensors.convert;

/**
 * How elements narrower than a byte sit inside their bytes. The format leaves this open (docs/format.md#sub-byte):
 * F4 files follow PyTorch's {@code float4_e2m1fn_x2} (element 0 in the low nibble) in practice, and F6 has
 * no convention at all, so decoding F6 requires the caller to name one.
 *
 * <pre>{@code
 * SubBytePacking p = new SubBytePacking(SubBytePacking.F4Order.LOW_NIBBLE_FIRST, SubBytePacking.F6Order.LSB_FIRST);
 * }</pre>
 *
 * @param f4 nibble order of F4 pairs
 * @param f6 bit order of F6 quadruples, or null when the caller has not said (F6 decoding then fails)
 */
public record SubBytePacking(F4Order f4, F6Order f6) {
    /** PyTorch's F4 order; F6 undecided. */
    public static final SubBytePacking DEFAULT = new SubBytePacking(F4Order.LOW_NIBBLE_FIRST, null);

    /**
     * Checks that an F4 order is given.
     *
     * @throws NullPointerException when {@code f4} is null
     */
    public SubBytePacking {
        java.util.Objects.requireNonNull(f4, "f4 order must be non-null");
    }

    /** Which nibble holds the even element of an F4 pair. */
    public enum F4Order {
        /** Element 2j in bits 0–3: PyTorch, OCP MX, ONNX, compressed-tensors, ModelOpt. */
        LOW_NIBBLE_FIRST,
        /** Element 2j in bits 4–7: torchao MX checkpoints before pytorch/ao#3123. */
        HIGH_NIBBLE_FIRST
    }

    /** Where the four 6-bit elements of each 3-byte group go. */
    public enum F6Order {
        /** The three bytes as a little-endian 24-bit word; element k in bits 6k..6k+5. */
        LSB_FIRST,
        /** The three bytes as a big-endian 24-bit word; element 0 in the top six bits. */
        MSB_FIRST
    }

    /**
     * {@return this packing with an F6 bit order}
     *
     * @param order the F6 bit order, or null for none
     */
    public SubBytePacking withF6(F6Order order) {
        return new SubBytePacking(f4, order);
    }
}
