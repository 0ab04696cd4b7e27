package dev.safetensors.quant.internal.layout;

/**
 * A tensor a layout expects: its role name and the suffix that, appended to the layer's prefix, names it
 * ({@code .qweight}, GPT-OSS's {@code _blocks}). Every role's tensor is replaced by the dense weight when a
 * checkpoint is dequantized.
 *
 * @param name     the role, e.g. {@code qweight}
 * @param suffix   appended to the layer prefix to form the tensor name
 * @param required whether a layer without it is incomplete
 */
public record Role(String name, String suffix, boolean required) {
    public static Role required(String name) {
        return new Role(name, "." + name, true);
    }

    public static Role optional(String name) {
        return new Role(name, "." + name, false);
    }

    public String tensorName(String layer) {
        return layer + suffix;
    }
}
