package dev.safetensors.internal.shard;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A shard file name of the {@code save_pretrained} convention, {@code PREFIX-00002-of-00005.safetensors}:
 * shard 2 of a set of 5. Numbers have five digits, more when the count needs them; names with more than nine
 * are not taken for shard names (no checkpoint has a billion shards).
 *
 * <pre>{@code
 * ShardName.parse("model-00002-of-00005.safetensors");   // Optional[ShardName[prefix=model, number=2, count=5]]
 * ShardName.format("model", 2, 5);                       // "model-00002-of-00005.safetensors"
 * }</pre>
 */
public record ShardName(String prefix, int number, int count) {
    private static final Pattern NUMBERED = Pattern.compile("(.*)-(\\d{5,9})-of-(\\d{5,9})\\.safetensors");

    /** The shard name of {@code fileName}, when it follows the convention. */
    public static Optional<ShardName> parse(String fileName) {
        Matcher m = NUMBERED.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new ShardName(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
    }

    /** {@code PREFIX-NNNNN-of-MMMMM.safetensors}. */
    public static String format(String prefix, int number, int count) {
        return String.format(Locale.ROOT, "%s-%05d-of-%05d.safetensors", prefix, number, count);
    }

    /** This shard's file name, in the canonical spelling. */
    public String fileName() {
        return format(prefix, number, count);
    }
}
