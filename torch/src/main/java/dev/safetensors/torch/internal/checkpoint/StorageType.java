package dev.safetensors.torch.internal.checkpoint;

/** A storage class global ({@code torch.FloatStorage}, {@code torch.UntypedStorage}): what its elements are. */
public record StorageType(String name, TorchDType dtype) {
    @Override
    public String toString() {
        return "torch." + name;
    }
}
