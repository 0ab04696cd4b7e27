package dev.safetensors.torch.internal.pickle;

/** A global reference ({@code module.name}) as a pickle names it, before any resolution. */
public record PyGlobal(String module, String name) {
    /** {@code module.name}, as Python writes it. */
    public String qualifiedName() {
        return module + "." + name;
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
