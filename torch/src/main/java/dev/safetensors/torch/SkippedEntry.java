package dev.safetensors.torch;

/**
 * A value of the checkpoint that is not a tensor (an epoch number, a learning rate, an optimizer's
 * {@code param_groups}), listed so that nothing is dropped silently.
 *
 * @param name the dotted path to it, as a tensor there would be named
 * @param type what it is: {@code int}, {@code str of 6 characters}, {@code list of 2}, ...
 */
public record SkippedEntry(String name, String type) {
    @Override
    public String toString() {
        return name + " (" + type + ")";
    }
}
