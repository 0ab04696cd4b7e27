package dev.safetensors.convert;

import dev.safetensors.DType;

/**
 * What an encoder does with a finite value whose nearest-even rounding lies past the target's largest finite
 * value. Either way NaN stays NaN, and an infinity is never made finite: it stays infinite where the target
 * has infinities (F16, BF16, F32, F8_E5M2) and becomes NaN where it has none (F8_E4M3, the FNUZ types).
 * {@link #defaultFor} gives the mode a user of PyTorch or NumPy expects for each target.
 */
public enum Overflow {
    /**
     * Clamp finite overflow to ±max, as quantizers do (compressed-tensors clamps before casting to FP8). Unlike
     * CUDA's {@code __NV_SATFINITE} and the OCP saturating mode, infinities are not clamped: an infinite weight
     * is a fault in the model, kept visible rather than hidden as a large number.
     */
    SATURATE,
    /**
     * PyTorch's and NumPy's cast: finite overflow becomes ±Inf where the format has one (F16, BF16, F32,
     * F8_E5M2), otherwise NaN (F8_E4M3 and the FNUZ types); values rounding past max by round-to-nearest-even
     * overflow the same way.
     */
    NON_SATURATING;

    /**
     * {@return the expected cast for {@code target}: {@link #NON_SATURATING} (overflow to ±Inf, as PyTorch and NumPy)
     * for targets with infinities, {@link #SATURATE} for the others (F8_E4M3, F8_E4M3FNUZ, F8_E5M2FNUZ, F8_E8M0,
     * F4, F6), whose overflow would otherwise be NaN}
     *
     * @param target the dtype being written
     */
    public static Overflow defaultFor(DType target) {
        return switch (target) {
            case F16, BF16, F32, F64, F8_E5M2 -> NON_SATURATING;
            default -> SATURATE;
        };
    }
}
