package dev.safetensors;

/**
 * The 22 element types of the safetensors format, declared in the reference's order.
 *
 * <p>The declaration order is the reference enum's order: {@link #rank()} is what the writer sorts by
 * (descending), and {@link #name()} is the wire name used in the header's {@code "dtype"} field.
 * Sub-byte types ({@link #F4}, {@link #F6_E2M3}, {@link #F6_E3M2}) have no whole byte size, so every
 * size computation goes through {@link #bits()}.
 *
 * <pre>{@code
 * DType t = DType.fromWireName("BF16");   // DType.BF16
 * long bytes = 4096 * t.bits() / 8;        // 8192
 * }</pre>
 */
public enum DType {
    /** Boolean, one byte per element: 0 is false, 1 is true. */
    BOOL(8),
    /** FP4 E2M1 (the OCP MX element type), two elements per byte, the first in the low nibble. */
    F4(4),
    /** FP6 E2M3, packed four elements in three bytes. */
    F6_E2M3(6),
    /** FP6 E3M2, packed four elements in three bytes. */
    F6_E3M2(6),
    /** Unsigned 8-bit integer. */
    U8(8),
    /** Signed 8-bit integer. */
    I8(8),
    /** FP8 E5M2 (IEEE-like: infinities and NaNs). */
    F8_E5M2(8),
    /** FP8 E4M3FN (no infinities; one NaN pattern per sign), as {@code torch.float8_e4m3fn}. */
    F8_E4M3(8),
    /** E8M0: an unsigned power-of-two exponent, the scale type of the MX formats. */
    F8_E8M0(8),
    /** FP8 E4M3FNUZ (no infinities, no negative zero; 0x80 is the NaN), as AMD's accelerators use it. */
    F8_E4M3FNUZ(8),
    /** FP8 E5M2FNUZ (no infinities, no negative zero; 0x80 is the NaN). */
    F8_E5M2FNUZ(8),
    /** Signed 16-bit integer. */
    I16(16),
    /** Unsigned 16-bit integer. */
    U16(16),
    /** IEEE 754 binary16 (half precision). */
    F16(16),
    /** bfloat16: the upper half of an IEEE binary32. */
    BF16(16),
    /** Signed 32-bit integer. */
    I32(32),
    /** Unsigned 32-bit integer. */
    U32(32),
    /** IEEE 754 binary32. */
    F32(32),
    /** Complex number: two binary32 values, real part first. */
    C64(64),
    /** IEEE 754 binary64. */
    F64(64),
    /** Signed 64-bit integer. */
    I64(64),
    /** Unsigned 64-bit integer. */
    U64(64);

    private static final DType[] VALUES = values();

    private final int bits;

    DType(int bits) {
        this.bits = bits;
    }

    /** {@return width of one element in bits: 4, 6, 8, 16, 32 or 64} */
    public int bits() {
        return bits;
    }

    /** {@return position in the reference enum; the writer orders tensors by descending rank} */
    public int rank() {
        return ordinal();
    }

    /** {@return the name written in headers, e.g. {@code "F8_E4M3"}} Same as {@link #name()}. */
    public String wireName() {
        return name();
    }

    /** {@return true for the types narrower than one byte (F4, F6_E2M3, F6_E3M2)} */
    public boolean isSubByte() {
        return bits < 8;
    }

    /**
     * Looks a dtype up by its exact, case-sensitive wire name.
     *
     * @param wireName the header's {@code "dtype"} value, e.g. {@code "BF16"}
     * @return the dtype of that name
     * @throws IllegalArgumentException when the name is not one of the 22 wire names
     */
    public static DType fromWireName(String wireName) {
        for (DType t : VALUES) {
            if (t.name().equals(wireName)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown dtype `" + wireName + "`");
    }

}
