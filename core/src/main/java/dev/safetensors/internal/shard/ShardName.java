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
    private static final Pattern STAGED = Pattern.compile("(.*)-\\d{5,9}-of-\\d{5,9}\\.staged-[0-9a-f]{8}\\.safetensors");

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

    /**
     * The name a new shard is written under while an old shard of the same name is still part of the
     * checkpoint: {@code model-00001-of-00003.staged-1a2b3c4d.safetensors} ({@link ShardSetReplacement}).
     */
    public static String staged(String fileName, String tag) {
        return fileName.substring(0, fileName.length() - ".safetensors".length()) + ".staged-" + tag + ".safetensors";
    }

    /**
     * Whether {@code fileName} belongs to the checkpoint files of {@code prefix}: its single file, its index,
     * a numbered shard or a staged one. These are what replacing that checkpoint may remove.
     */
    public static boolean isOfPrefix(String fileName, String prefix) {
        if (fileName.equals(prefix + ".safetensors") || fileName.equals(prefix + ".safetensors.index.json")) {
            return true;
        }
        Matcher staged = STAGED.matcher(fileName);
        if (staged.matches()) {
            return staged.group(1).equals(prefix);
        }
        return parse(fileName).map(s -> s.prefix().equals(prefix)).orElse(false);
    }

    /** This shard's file name, in the canonical spelling. */
    public String fileName() {
        return format(prefix, number, count);
    }
}
