package dev.safetensors.torch.internal.pickle;

/** A Python {@code complex}, as {@code builtins.complex(real, imag)} builds it. */
public record PyComplex(double real, double imag) {
}
