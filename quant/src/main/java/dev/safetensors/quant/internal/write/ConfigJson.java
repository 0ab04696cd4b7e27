package dev.safetensors.quant.internal.write;

import dev.safetensors.internal.io.AtomicFile;
import dev.safetensors.internal.json.JsonWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A config.json as transformers writes one (two-space indent, keys in the map's order), replaced
 * atomically. Strings and numbers are spelled by core's {@link JsonWriter}; only the layout is added here,
 * as that writer is compact.
 */
public final class ConfigJson {
    private ConfigJson() {
    }

    public static String format(Map<String, ?> config) {
        StringBuilder sb = new StringBuilder();
        append(sb, config, 0);
        return sb.append('\n').toString();
    }

    public static void write(Path file, Map<String, ?> config) {
        byte[] bytes = format(config).getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
    }

    private static void append(StringBuilder sb, Object v, int depth) {
        String indent = "  ".repeat(depth + 1);
        switch (v) {
            case Map<?, ?> map when !map.isEmpty() -> {
                sb.append("{\n");
                int i = 0;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    sb.append(indent);
                    JsonWriter.appendString(sb, String.valueOf(e.getKey()), JsonWriter.Style.SERDE);
                    sb.append(": ");
                    append(sb, e.getValue(), depth + 1);
                    sb.append(++i < map.size() ? ",\n" : "\n");
                }
                sb.append("  ".repeat(depth)).append('}');
            }
            case List<?> list when !list.isEmpty() -> {
                sb.append("[\n");
                for (int i = 0; i < list.size(); i++) {
                    sb.append(indent);
                    append(sb, list.get(i), depth + 1);
                    sb.append(i + 1 < list.size() ? ",\n" : "\n");
                }
                sb.append("  ".repeat(depth)).append(']');
            }
            case null, default -> JsonWriter.appendValue(sb, v, JsonWriter.Style.SERDE);
        }
    }
}
