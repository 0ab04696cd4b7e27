package dev.safetensors.quant.internal.pack;

/**
 * Two 4-bit codes per byte: low nibble first (OCP MX, PyTorch, compressed-tensors, ModelOpt, GPT-OSS), or
 * high nibble first (bitsandbytes: {@code byte = code[2j] << 4 | code[2j + 1]}). An odd last code leaves the
 * other nibble zero.
 */
public final class NibblePacking {
    private NibblePacking() {
    }

    public static byte[] pack(byte[] codes, boolean highFirst) {
        byte[] out = new byte[(codes.length + 1) / 2];
        for (int i = 0; i < codes.length; i++) {
            int c = codes[i] & 0xF;
            int shift = (i & 1) == 0 ^ highFirst ? 0 : 4;
            out[i / 2] |= (byte) (c << shift);
        }
        return out;
    }
}
