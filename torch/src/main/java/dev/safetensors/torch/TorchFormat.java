package dev.safetensors.torch;

/** How a PyTorch checkpoint file is laid out. */
public enum TorchFormat {
    /** A zip archive of a pickle and one entry per storage: {@code torch.save} since PyTorch 1.6. */
    ZIP("PyTorch zip archive"),
    /**
     * The stream before 1.6 (and with {@code _use_new_zipfile_serialization=False}): five pickles, then the
     * storages one after another.
     */
    LEGACY("PyTorch legacy pickle");

    private final String description;

    TorchFormat(String description) {
        this.description = description;
    }

    /** {@return "PyTorch zip archive" or "PyTorch legacy pickle"}, for messages and listings */
    public String description() {
        return description;
    }
}
