package dev.safetensors.internal.header;

import dev.safetensors.DType;
import dev.safetensors.Header;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.json.JsonWriter;
import dev.safetensors.internal.json.Utf8;

import static dev.safetensors.SafeTensorsException.Kind.HeaderTooLarge;
import static dev.safetensors.SafeTensorsException.Kind.JsonError;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Serialises a header exactly as the reference writer does (docs/format.md#writer): tensors by descending dtype
 * rank then name, compact JSON, serde_json escaping, space padding to a multiple of 8. Deliberate
 * differences: {@code __metadata__} keys are sorted, and an empty metadata map with no tensors is written
 * correctly.
 */
public final class HeaderWriter {
    private HeaderWriter() {
    }

    /** One tensor placed in the data buffer. */
    public record Placed(String name, DType dtype, long[] shape, long begin, long end) {
    }

    /** The header bytes (padded JSON, without the length prefix) and the tensors in data order. */
    public record Plan(byte[] json, List<Placed> tensors, long dataSize) {
        public long fileSize() {
            return Header.LENGTH_PREFIX + json.length + dataSize;
        }
    }

    /**
     * @param names     tensor names
     * @param dtypes    their dtypes
     * @param shapes    their shapes
     * @param metadata  null for no {@code __metadata__} entry
     * @param maxHeader the largest padded header allowed
     */
    public static Plan plan(List<String> names, List<DType> dtypes, List<long[]> shapes, Map<String, String> metadata,
            long maxHeader, String target) {
        int n = names.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Integer.compare(dtypes.get(b).rank(), dtypes.get(a).rank());
            return c != 0 ? c : Utf8.compare(names.get(a), names.get(b));
        });

        StringBuilder sb = new StringBuilder(64 + 96 * n);
        sb.append('{');
        if (metadata != null) {
            sb.append("\"__metadata__\":{");
            String[] keys = metadata.keySet().toArray(new String[0]);
            Arrays.sort(keys, Utf8::compare);
            for (int i = 0; i < keys.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                JsonWriter.appendQuoted(sb, keys[i]);
                sb.append(':');
                JsonWriter.appendQuoted(sb, metadata.get(keys[i]));
            }
            sb.append('}');
        }
        List<Placed> placed = new ArrayList<>(n);
        long offset = 0;
        for (int k = 0; k < n; k++) {
            int i = order[k];
            String name = names.get(i);
            DType dtype = dtypes.get(i);
            long[] shape = shapes.get(i);
            long bytes = HeaderValidator.byteCount(name, dtype, shape, target);
            long end = offset + bytes;
            if (Long.compareUnsigned(end, offset) < 0 || end < 0) {
                throw new SafeTensorsException(SafeTensorsException.Kind.ValidationOverflow, target,
                        "the tensors add up to 2^63 bytes or more");
            }
            placed.add(new Placed(name, dtype, shape, offset, end));
            if (metadata != null || k > 0) {
                sb.append(',');
            }
            JsonWriter.appendQuoted(sb, name);
            sb.append(":{\"dtype\":\"").append(dtype.wireName()).append("\",\"shape\":[");
            for (int d = 0; d < shape.length; d++) {
                if (d > 0) {
                    sb.append(',');
                }
                sb.append(Long.toUnsignedString(shape[d]));
            }
            sb.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        sb.append('}');

        byte[] utf8 = encode(sb, target);
        long padded = (utf8.length + 7L) & ~7L;
        if (padded > maxHeader) {
            throw new SafeTensorsException(HeaderTooLarge, target, "header too large: the header would take "
                    + padded + " bytes, more than the limit of " + maxHeader);
        }
        byte[] json = Arrays.copyOf(utf8, (int) padded);
        Arrays.fill(json, utf8.length, json.length, (byte) ' ');
        return new Plan(json, List.copyOf(placed), offset);
    }

    /** Strict UTF-8: a name or value holding a lone surrogate cannot be written. */
    private static byte[] encode(CharSequence s, String target) {
        byte[] out = Utf8.encode(s);
        if (out == null) {
            throw new SafeTensorsException(JsonError, target,
                    "a tensor name or metadata string holds a lone UTF-16 surrogate, which UTF-8 cannot encode");
        }
        return out;
    }
}
