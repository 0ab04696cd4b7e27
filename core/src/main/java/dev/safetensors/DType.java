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
    BOOL(8),
    F4(4),
    F6_E2M3(6),
    F6_E3M2(6),
    U8(8),
    I8(8),
    F8_E5M2(8),
    F8_E4M3(8),
    F8_E8M0(8),
    F8_E4M3FNUZ(8),
    F8_E5M2FNUZ(8),
    I16(16),
    U16(16),
    F16(16),
    BF16(16),
    I32(32),
    U32(32),
    F32(32),
    C64(64),
    F64(64),
    I64(64),
    U64(64);

    private static final DType[] VALUES = values();

    private final int bits;

    DType(int bits) {
        this.bits = bits;
    }

    /** Width of one element in bits: 4, 6, 8, 16, 32 or 64. */
    public int bits() {
        return bits;
    }

    /** Position in the reference enum; the writer orders tensors by descending rank. */
    public int rank() {
        return ordinal();
    }

    /** The name written in headers, e.g. {@code "F8_E4M3"}. Same as {@link #name()}. */
    public String wireName() {
        return name();
    }

    /** True for the types narrower than one byte (F4, F6_E2M3, F6_E3M2). */
    public boolean isSubByte() {
        return bits < 8;
    }

    /**
     * Looks a dtype up by its exact, case-sensitive wire name.
     *
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
