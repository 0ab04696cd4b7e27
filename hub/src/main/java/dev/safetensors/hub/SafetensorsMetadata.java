package dev.safetensors.hub;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.Header;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.ShardIndex;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.TensorInfo;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a checkpoint's headers tell without its tensor bytes, shaped as the Python client's
 * {@code get_safetensors_metadata} returns it ({@code utils/_safetensors.py}: {@code SafetensorsRepoMetadata}):
 * each file's header, the weight map, the index metadata, and the parameter count per dtype, which the Hub shows on a
 * model's page: the sum over tensors of the product of the shape (1 for a scalar), per dtype, in order of first
 * appearance (files in index order, tensors in header order).
 *
 * <pre>{@code
 * try (Checkpoint c = hub.open(HfUri.parse("hf://org/model"))) {          // headers only
 *     SafetensorsMetadata m = SafetensorsMetadata.of(c);
 *     m.parameterCount();    // {BF16=7241732096}
 *     m.totalParameters();   // 7241732096
 * }
 * }</pre>
 *
 * @param sharded        whether the checkpoint has an index
 * @param indexMetadata  the index's {@code metadata}, empty without an index
 * @param weightMap      tensor name → file name
 * @param files          file name → its header, in index (or file) order
 * @param parameterCount dtype → number of parameters
 */
public record SafetensorsMetadata(boolean sharded, Map<String, Object> indexMetadata, Map<String, String> weightMap,
        Map<String, Header> files, Map<DType, Long> parameterCount) {

    /** Copies the maps, unmodifiable, in their order. */
    public SafetensorsMetadata {
        indexMetadata = Collections.unmodifiableMap(new LinkedHashMap<>(indexMetadata));
        weightMap = Collections.unmodifiableMap(new LinkedHashMap<>(weightMap));
        files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
        parameterCount = Collections.unmodifiableMap(new LinkedHashMap<>(parameterCount));
    }

    /**
     * {@return the metadata of an open checkpoint: a single file or the shards of an index (local or remote)}
     *
     * @param checkpoint a {@link SafeTensorsFile} or a {@link ShardedCheckpoint}
     * @throws IllegalArgumentException for another kind of checkpoint
     */
    public static SafetensorsMetadata of(Checkpoint checkpoint) {
        Map<String, Header> files = new LinkedHashMap<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        Map<String, Object> indexMetadata = new LinkedHashMap<>();
        boolean sharded = false;
        if (checkpoint instanceof ShardedCheckpoint s) {
            Optional<ShardIndex> index = s.index();
            sharded = index.isPresent();
            index.ifPresent(i -> {
                indexMetadata.putAll(i.metadata());
                weightMap.putAll(i.weightMap());
            });
            for (SafeTensorsFile f : s.shards()) {
                String name = fileName(f.description());
                files.put(name, f.header());
                if (index.isEmpty()) {
                    f.names().forEach(t -> weightMap.put(t, name));
                }
            }
        } else if (checkpoint instanceof SafeTensorsFile f) {
            String name = fileName(f.description());
            files.put(name, f.header());
            f.names().forEach(t -> weightMap.put(t, name));
        } else {
            throw new IllegalArgumentException("not a safetensors file or a sharded checkpoint: " + checkpoint);
        }
        Map<DType, Long> counts = new LinkedHashMap<>();
        for (Header h : files.values()) {
            for (int i = 0; i < h.size(); i++) {
                TensorInfo t = h.info(i);
                counts.merge(t.dtype(), t.elementCount(), Long::sum);
            }
        }
        return new SafetensorsMetadata(sharded, indexMetadata, weightMap, files, counts);
    }

    /** {@return all parameters, every dtype} */
    public long totalParameters() {
        return parameterCount.values().stream().mapToLong(Long::longValue).sum();
    }

    private static String fileName(String description) {
        int slash = Math.max(description.lastIndexOf('/'), description.lastIndexOf('\\'));
        return description.substring(slash + 1);
    }
}
