package dev.safetensors.torch.internal.pickle;

/** Python's {@code None}: a value of its own, so that containers and the stack never hold Java null. */
public enum PyNone {
    NONE;

    @Override
    public String toString() {
        return "None";
    }
}
