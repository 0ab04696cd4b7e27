package dev.safetensors.torch;

import java.util.Objects;
import java.util.Optional;

/**
 * How to read a PyTorch checkpoint: which sub-dict holds the tensors, and the pickle reader's limits.
 *
 * <pre>{@code
 * TorchOptions.defaults();                          // the sub-dict chosen by the rule (state_dict, model, ...)
 * TorchOptions.defaults().withSubDict("ema");       // ckpt["ema"]
 * TorchOptions.defaults().withSubDict("");          // the whole object, flattened
 * }</pre>
 */
public final class TorchOptions {
    private static final TorchOptions DEFAULTS = new TorchOptions(null, PickleLimits.defaults());

    private final String subDict;
    private final PickleLimits limits;

    private TorchOptions(String subDict, PickleLimits limits) {
        this.subDict = subDict;
        this.limits = limits;
    }

    /** {@return options choosing the sub-dict by rule, with the default limits} */
    public static TorchOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Converts the entry at {@code path}: a key of the top-level dict, dotted for deeper ones
     * ({@code "model.encoder"}), {@code ""} for the whole object, or null for the rule: when the top-level
     * dict holds no tensor itself, the first of {@code state_dict}, {@code model_state_dict}, {@code model},
     * {@code module} that holds tensors, else the whole object.
     *
     * @param path the sub-dict
     * @return these options with that sub-dict
     */
    public TorchOptions withSubDict(String path) {
        return new TorchOptions(path, limits);
    }

    /**
     * {@return these options with other pickle limits}
     *
     * @param limits the pickle reader's limits
     */
    public TorchOptions withLimits(PickleLimits limits) {
        return new TorchOptions(subDict, Objects.requireNonNull(limits, "limits must be non-null"));
    }

    /** {@return the sub-dict asked for} Empty when chosen by rule. */
    public Optional<String> subDict() {
        return Optional.ofNullable(subDict);
    }

    /** {@return the pickle reader's limits} */
    public PickleLimits limits() {
        return limits;
    }
}
