package dev.safetensors.convert;

/** What an encoder does with a finite value beyond the target's largest finite value. */
public enum Overflow {
    /** Clamp to ±max, as quantizers do (compressed-tensors clamps before casting). */
    SATURATE,
    /**
     * PyTorch's cast: Inf where the format has one (F16, BF16, F8_E5M2), otherwise NaN (F8_E4M3 and the
     * FNUZ types); values rounding past max by round-to-nearest-even overflow the same way.
     */
    NON_SATURATING
}
