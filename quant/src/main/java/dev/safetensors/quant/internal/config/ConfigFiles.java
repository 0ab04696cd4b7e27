package dev.safetensors.quant.internal.config;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.json.JsonReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON files beside a checkpoint that can describe its quantization, read strictly (duplicate keys
 * refused) and bounded in size, so a hostile config cannot exhaust memory.
 */
public final class ConfigFiles {
    /** The files looked for, in the order their configs take precedence. */
    public static final String[] NAMES = {"config.json", "quantize_config.json", "quant_config.json",
        "hf_quant_config.json"};

    /** Far above any real config (a few KiB), far below what could hurt. */
    static final long MAX_BYTES = 16 << 20;

    private ConfigFiles() {
    }

    /** The directory a checkpoint path's configs live in: the path itself, or the file's directory. */
    public static Path directoryOf(Path checkpoint) {
        if (Files.isDirectory(checkpoint)) {
            return checkpoint;
        }
        Path parent = checkpoint.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    /** Every one of {@link #NAMES} present in {@code dir}, parsed, by file name. */
    public static Map<String, ConfigObject> read(Path dir) {
        Map<String, ConfigObject> found = new LinkedHashMap<>();
        for (String name : NAMES) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                found.put(name, parse(bytes(file), file.toString()));
            }
        }
        return found;
    }

    public static ConfigObject parse(byte[] json, String source) {
        return ConfigObject.root(JsonReader.parse(json, source), source);
    }

    private static byte[] bytes(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new SafeTensorsException(SafeTensorsException.Kind.InvalidHeaderDeserialization, file.toString(),
                        "the config is larger than the " + MAX_BYTES + "-byte limit");
            }
            return bytes;
        } catch (IOException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, file.toString(),
                    "cannot read the config: " + e.getMessage(), e);
        }
    }
}
