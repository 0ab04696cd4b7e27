package dev.safetensors.torch.internal.pickle;

/**
 * Resolves a persistent id ({@code PERSID}, {@code BINPERSID}): how a PyTorch pickle refers to the
 * storages kept outside it. Returns the value that stands for the storage.
 */
@FunctionalInterface
public interface PersistentLoader {
    Object load(Object pid);
}
