package dev.safetensors.internal.header;

import java.nio.charset.StandardCharsets;

/**
 * What a file that is not safetensors looks like, from its first bytes, and what to do with it: the hint
 * added to the error when a header cannot be read. A PyTorch zip read as safetensors has a "header length"
 * of 7.3 × 10^18, and "header too large" alone sends people the wrong way.
 *
 * <p>Only a hint: the error keeps its kind, so verdicts stay the reference's. The signatures are the
 * formats' own magic numbers; a real safetensors file (a header length under 2^32, so bytes 4 to 7 zero)
 * can match none of those longer than four bytes.
 */
public final class ForeignFormat {
    /** How much of the file {@link #describe} looks at. */
    public static final int HEAD = 4096;

    private static final byte[] PICKLE_TORCH_MAGIC = {(byte) 0x8A, 0x0A, 0x6C, (byte) 0xFC, (byte) 0x9C, 0x46,
            (byte) 0xF9, 0x20, 0x6A, (byte) 0xA8, 0x50, 0x19};
    private static final String RESAVE = "load it where you trust it and save it with safetensors";

    private ForeignFormat() {
    }

    /**
     * @param head the first bytes of the file (up to {@link #HEAD})
     * @return what the file looks like and what to do, or null when it looks like nothing known
     */
    public static String describe(byte[] head) {
        if (starts(head, "PK\u0003\u0004") || starts(head, "PK\u0005\u0006")) {
            return zip(head);
        }
        if (head.length >= 2 && (head[0] & 0xFF) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            boolean legacyTorch = head.length >= 2 + PICKLE_TORCH_MAGIC.length
                    && java.util.Arrays.equals(head, 2, 2 + PICKLE_TORCH_MAGIC.length, PICKLE_TORCH_MAGIC, 0, PICKLE_TORCH_MAGIC.length);
            return "this is a Python pickle (protocol " + head[1] + ")"
                    + (legacyTorch ? ", a PyTorch checkpoint in the format before PyTorch 1.6" : "")
                    + ", not safetensors; a pickle can run code when loaded: " + RESAVE
                    + " (torch.load(path, weights_only=True), then safetensors.torch.save_file)";
        }
        if (starts(head, "GGUF")) {
            return "this is a GGUF file (llama.cpp), not safetensors; use a GGUF reader, or convert the original "
                    + "checkpoint to safetensors";
        }
        if (starts(head, "\u0093NUMPY")) {
            return "this is a NumPy .npy array, not safetensors: load it with numpy.load and save it with "
                    + "safetensors.numpy.save_file";
        }
        if (starts(head, "\u0089HDF\r\n\u001a\n")) {
            return "this is an HDF5 file (e.g. a Keras .h5 model), not safetensors";
        }
        if (starts(head, "\u001f\u008b")) {
            return "this is gzip-compressed, not safetensors: decompress it first";
        }
        if (starts(head, "version https://git-lfs")) {
            return "this is a Git LFS pointer, not the file itself: fetch the content (git lfs pull), or "
                    + "download the file rather than its pointer";
        }
        String text = printablePrefix(head);
        if (text == null) {
            return null;
        }
        String lower = text.stripLeading().toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("<!doctype html") || lower.startsWith("<html")) {
            return "this is an HTML page, not safetensors: the download probably returned an error or a login page";
        }
        if (lower.startsWith("{") || lower.startsWith("[")) {
            if (text.contains("\"weight_map\"")) {
                return "this is the index of a sharded checkpoint (JSON), not a safetensors file: open the index "
                        + "or its directory as a checkpoint (Checkpoint.open), which reads the shards it names";
            }
            return "this is JSON text (a config or an index?), not a safetensors file, which starts with an "
                    + "8-byte header length";
        }
        return null;
    }

    private static String zip(byte[] head) {
        // The first entry's name: a local file header has it at byte 30, its length at byte 26.
        String first = "";
        if (head.length >= 30 && head[2] == 3) {
            int length = (head[26] & 0xFF) | (head[27] & 0xFF) << 8;
            first = new String(head, 30, Math.min(length, head.length - 30), StandardCharsets.ISO_8859_1);
        }
        if (first.endsWith(".npy")) {
            return "this is a NumPy .npz archive, not safetensors: load it with numpy.load and save the arrays "
                    + "with safetensors.numpy.save_file";
        }
        if (first.endsWith("data.pkl") || first.endsWith("/version") || first.contains("/data/") || first.endsWith(".pkl")) {
            return "this is a PyTorch checkpoint (zip, torch.save), not safetensors; it holds a pickle, which can "
                    + "run code when loaded: " + RESAVE + " (torch.load(path, weights_only=True), then "
                    + "safetensors.torch.save_file)";
        }
        return "this is a zip archive, not safetensors";
    }

    private static boolean starts(byte[] head, String magic) {
        if (head.length < magic.length()) {
            return false;
        }
        for (int i = 0; i < magic.length(); i++) {
            if ((head[i] & 0xFF) != magic.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The head as text when at least its first 8 bytes are printable ASCII or whitespace, else null. */
    private static String printablePrefix(byte[] head) {
        if (head.length < 2) {
            return null;
        }
        int n = Math.min(8, head.length);
        for (int i = 0; i < n; i++) {
            int c = head[i] & 0xFF;
            if (!(c >= 0x20 && c < 0x7F || c == '\n' || c == '\r' || c == '\t')) {
                return null;
            }
        }
        return new String(head, StandardCharsets.ISO_8859_1);
    }
}
