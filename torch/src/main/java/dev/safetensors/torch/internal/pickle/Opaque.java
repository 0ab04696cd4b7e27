package dev.safetensors.torch.internal.pickle;

/**
 * What the scanning pass pushes in place of anything a constructor or a persistent id would build: the
 * scan resolves every global and checks every call target without building objects.
 */
enum Opaque {
    VALUE
}
