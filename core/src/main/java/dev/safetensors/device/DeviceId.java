package dev.safetensors.device;

import java.util.Objects;

/**
 * A device's kind and index: {@code cuda:0} is kind {@code cuda}, index 0; the CPU is {@code cpu}, index 0.
 *
 * @param kind  lower-case kind, e.g. {@code cpu}, {@code cuda}, {@code rocm}
 * @param index the device's index among those of its kind
 */
public record DeviceId(String kind, int index) {
    /**
     * Checks the kind and index.
     *
     * @throws NullPointerException     when {@code kind} is null
     * @throws IllegalArgumentException when {@code index} is negative
     */
    public DeviceId {
        Objects.requireNonNull(kind, "kind must be non-null");
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + index);
        }
    }

    /**
     * Parses {@code kind}, {@code kind:index} (index 0 when absent).
     *
     * @param text a device name such as {@code cpu}, {@code cuda:0} or {@code rocm:1}
     * @return the kind, lower case, and the index
     * @throws IllegalArgumentException when the text is not of that form
     */
    public static DeviceId parse(String text) {
        String t = text.strip();
        int colon = t.indexOf(':');
        String kind = (colon < 0 ? t : t.substring(0, colon)).toLowerCase(java.util.Locale.ROOT);
        if (kind.isEmpty() || !kind.chars().allMatch(c -> c >= 'a' && c <= 'z')) {
            throw new IllegalArgumentException("`" + text + "` is not a device name such as cpu, cuda:0 or rocm:1");
        }
        if (colon < 0) {
            return new DeviceId(kind, 0);
        }
        String digits = t.substring(colon + 1);
        if (digits.isEmpty() || digits.length() > 6 || !digits.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("`" + text + "` is not a device name such as cpu, cuda:0 or rocm:1");
        }
        return new DeviceId(kind, Integer.parseInt(digits));
    }

    @Override
    public String toString() {
        return kind.equals("cpu") ? kind : kind + ":" + index;
    }
}
