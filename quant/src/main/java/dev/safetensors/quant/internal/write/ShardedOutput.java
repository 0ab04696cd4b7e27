package dev.safetensors.quant.internal.write;

import dev.safetensors.Checkpoint;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.ShardIndex;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.internal.io.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A checkpoint rewritten tensor by tensor in the input's own file layout: one output file per input shard,
 * under the same name, holding what became of that shard's tensors, plus an index when there is more than
 * one; a single file gives a single file ({@code OUT} ending in {@code .safetensors}, or
 * {@code OUT/model.safetensors}). Every file is replaced atomically.
 */
final class ShardedOutput {
    private ShardedOutput() {
    }

    /**
     * The output tensors of {@code in}, shard by shard, in each input shard's order: {@code rewrite} maps an
     * input tensor name to what replaces it (nothing, to drop it).
     */
    static Map<String, List<OutputTensor>> plan(Checkpoint in, Function<String, List<OutputTensor>> rewrite) {
        Map<String, List<OutputTensor>> shards = new LinkedHashMap<>();
        for (String name : in.names()) {
            List<OutputTensor> out = rewrite.apply(name);
            if (!out.isEmpty()) {
                shards.computeIfAbsent(shardOf(in, name), s -> new ArrayList<>()).addAll(out);
            }
        }
        return shards;
    }

    /** Whether {@code in} has more than one tensor file. */
    static boolean sharded(Checkpoint in) {
        return in instanceof ShardedCheckpoint s && s.shards().size() > 1;
    }

    /**
     * Writes the shards and, for a sharded input, the index; returns the files written.
     *
     * @throws IllegalArgumentException for a {@code .safetensors} output of a sharded input
     */
    static List<Path> write(Checkpoint in, Path out, Map<String, List<OutputTensor>> shards, Map<String, String> metadata) {
        boolean sharded = sharded(in);
        boolean fileOut = isFile(out);
        if (sharded && fileOut) {
            throw new IllegalArgumentException(in.description() + " is sharded; write it to a directory, not the file "
                    + out);
        }
        if (!fileOut) {
            createDirectories(out);
        }
        List<Path> files = new ArrayList<>();
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        for (Map.Entry<String, List<OutputTensor>> shard : shards.entrySet()) {
            Path file = fileOut ? out : out.resolve(sharded ? shard.getKey() : "model.safetensors");
            SafeTensorsWriter writer = SafeTensorsWriter.create().metadata(metadata);
            for (OutputTensor t : shard.getValue()) {
                writer.add(t.name(), t.dtype(), t.shape(), t.data());
                weightMap.put(t.name(), file.getFileName().toString());
                total += t.bytes();
            }
            writer.write(file);
            files.add(file);
        }
        if (sharded) {
            Path index = out.resolve("model.safetensors.index.json");
            byte[] json = ShardIndex.of(Map.of("total_size", total), weightMap).toJson().getBytes(StandardCharsets.UTF_8);
            AtomicFile.write(index, ch -> {
                ByteBuffer b = ByteBuffer.wrap(json);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            });
            files.add(index);
        }
        return files;
    }

    static boolean isFile(Path out) {
        return out.getFileName().toString().endsWith(".safetensors");
    }

    private static String shardOf(Checkpoint ckpt, String tensor) {
        if (ckpt instanceof ShardedCheckpoint s) {
            return s.index().map(i -> i.shardOf(tensor))
                    .orElseGet(() -> Path.of(s.shardOf(tensor).description()).getFileName().toString());
        }
        return Path.of(ckpt.description()).getFileName().toString();
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, dir.toString(),
                    "cannot create the output directory: " + e.getMessage(), e);
        }
    }
}
