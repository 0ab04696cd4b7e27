package dev.safetensors.torch.internal.pickle;

import java.util.Arrays;

/** Python {@code bytes} (and {@code bytearray}): compared by content, never printed whole. */
public record PyBytes(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
        return o instanceof PyBytes b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "bytes(" + bytes.length + ")";
    }
}
