package dev.safetensors.cli.report;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.json.JsonReader;
import dev.safetensors.internal.json.JsonWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The quantization a checkpoint declares, read as written: {@code quantization_config} (transformers) or
 * {@code quantization} (MLX) in the {@code config.json} beside it, or the whole of {@code quantize_config.json}
 * (AutoGPTQ), {@code quant_config.json} or {@code hf_quant_config.json} (ModelOpt), flattened to dotted keys;
 * and how many tensors have low-precision float dtypes (FP8, FP6, FP4, E8M0 scales).
 */
final class ConfigQuantization implements QuantizationInfo {
    /** Configs are small; a larger file is not one. */
    private static final long MAX_CONFIG_BYTES = 16L << 20;
    private static final int MAX_VALUE_CHARS = 240;

    @Override
    public Optional<Section> describe(Path path, Checkpoint checkpoint) {
        List<List<String>> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Path dir = path == null ? null : Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        String found = null;
        if (dir != null) {
            found = fromConfig(dir.resolve("config.json"), rows, notes);
            for (String name : List.of("quantize_config.json", "quant_config.json", "hf_quant_config.json")) {
                if (found == null) {
                    found = fromWholeFile(dir.resolve(name), rows, notes);
                }
            }
        }
        Map<DType, Integer> lowPrecision = new EnumMap<>(DType.class);
        for (String name : checkpoint.names()) {
            DType t = checkpoint.tensor(name).dtype();
            if (isLowPrecision(t)) {
                lowPrecision.merge(t, 1, Integer::sum);
            }
        }
        lowPrecision.forEach((t, n) -> rows.add(List.of("tensors of dtype " + t, String.valueOf(n))));
        if (rows.isEmpty() && notes.isEmpty()) {
            return Optional.empty();
        }
        if (found == null && !lowPrecision.isEmpty()) {
            notes.add("No quantization config was found beside the checkpoint; the low-precision dtypes above may be "
                    + "quantized weights or their scales.");
        }
        String title = found == null ? "Low-precision tensors" : "Declared in " + found;
        return Optional.of(new Section(title, List.of("key", "value"), rows, notes));
    }

    private static boolean isLowPrecision(DType t) {
        return switch (t) {
            case F4, F6_E2M3, F6_E3M2, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ -> true;
            default -> false;
        };
    }

    /** {@code config.json}'s quantization object, if it has one; returns what was read, or null. */
    private static String fromConfig(Path config, List<List<String>> rows, List<String> notes) {
        Object json = read(config, notes);
        if (!(json instanceof Map<?, ?> map)) {
            return null;
        }
        for (String key : List.of("quantization_config", "quantization")) {
            if (map.get(key) instanceof Map<?, ?> q) {
                flatten("", q, rows);
                return config.getFileName() + " (" + key + ")";
            }
        }
        return null;
    }

    private static String fromWholeFile(Path file, List<List<String>> rows, List<String> notes) {
        if (read(file, notes) instanceof Map<?, ?> map) {
            flatten("", map, rows);
            return file.getFileName().toString();
        }
        return null;
    }

    /** The file as JSON values, or null when it is absent; a file that cannot be read becomes a note. */
    private static Object read(Path file, List<String> notes) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            if (Files.size(file) > MAX_CONFIG_BYTES) {
                notes.add(file.getFileName() + " was not read: it is larger than " + (MAX_CONFIG_BYTES >> 20) + " MiB.");
                return null;
            }
            return JsonReader.parse(Files.readAllBytes(file), file.toString());
        } catch (IOException | SafeTensorsException e) {
            notes.add(file.getFileName() + " was not read: " + e.getMessage());
            return null;
        }
    }

    private static void flatten(String prefix, Map<?, ?> map, List<List<String>> rows) {
        map.forEach((k, v) -> {
            String key = prefix + k;
            if (v instanceof Map<?, ?> inner && !inner.isEmpty()) {
                flatten(key + ".", inner, rows);
            } else {
                StringBuilder sb = new StringBuilder();
                if (v instanceof String s) {
                    sb.append(s);
                } else {
                    JsonWriter.appendValue(sb, v, JsonWriter.Style.SERDE);
                }
                String text = sb.length() > MAX_VALUE_CHARS ? sb.substring(0, MAX_VALUE_CHARS - 3) + "..." : sb.toString();
                rows.add(List.of(key, text));
            }
        });
    }
}
