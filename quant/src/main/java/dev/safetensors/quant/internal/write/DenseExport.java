package dev.safetensors.quant.internal.write;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.ShardIndex;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.internal.io.AtomicFile;
import dev.safetensors.quant.Dequantizer;
import dev.safetensors.quant.QuantizedLinear;
import dev.safetensors.quant.QuantizedModel;
import dev.safetensors.quant.internal.config.ConfigFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** {@link Dequantizer}'s work: which tensors go to which output file, streamed in order. */
public final class DenseExport {
    private DenseExport() {
    }

    /** One output tensor: its name, dtype, shape, bytes and where its data comes from. */
    private record Entry(String name, DType dtype, dev.safetensors.Shape shape, long bytes, Source source) {
    }

    /** Where an output tensor's bytes come from: a dequantized layer or a tensor kept as it is. */
    private sealed interface Source {
        record Layer(QuantizedLinear layer) implements Source {
        }

        record Kept(Tensor tensor) implements Source {
        }
    }

    public static Dequantizer.Result run(Path in, Path out, DType dtype, Dequantizer.Progress progress) {
        if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("dequantization writes F32, BF16 or F16, not " + dtype);
        }
        try (QuantizedModel model = QuantizedModel.open(in)) {
            Checkpoint ckpt = model.checkpoint();
            Map<String, List<Entry>> shards = plan(model, dtype);
            boolean sharded = ckpt instanceof ShardedCheckpoint s && s.shards().size() > 1;
            boolean fileOut = out.getFileName().toString().endsWith(".safetensors");
            if (sharded && fileOut) {
                throw new IllegalArgumentException(in + " is sharded; write it to a directory, not the file " + out);
            }
            if (!fileOut) {
                createDirectories(out);
            }
            long total = shards.values().stream().flatMap(List::stream).mapToLong(Entry::bytes).sum();
            long[] done = {0};
            List<Path> files = new ArrayList<>();
            Map<String, String> weightMap = new TreeMap<>();
            int tensors = 0;
            for (Map.Entry<String, List<Entry>> shard : shards.entrySet()) {
                Path file = fileOut ? out : out.resolve(sharded ? shard.getKey() : "model.safetensors");
                SafeTensorsWriter writer = SafeTensorsWriter.create().metadata(Map.of("format", "pt"));
                for (Entry e : shard.getValue()) {
                    writer.add(e.name(), e.dtype(), e.shape(), data(e, dtype, done, total, progress));
                    weightMap.put(e.name(), file.getFileName().toString());
                    tensors++;
                }
                writer.write(file);
                files.add(file);
            }
            if (sharded) {
                Path index = out.resolve("model.safetensors.index.json");
                writeIndex(index, ShardIndex.of(Map.of("total_size", total), weightMap));
                files.add(index);
            }
            Path config = ConfigFiles.directoryOf(in).resolve("config.json");
            if (!fileOut && Files.isRegularFile(config)) {
                Path written = out.resolve("config.json");
                ConfigJson.write(written, DenseConfig.of(ConfigFiles.read(ConfigFiles.directoryOf(in))
                        .get("config.json"), dtype));
                files.add(written);
            }
            return new Dequantizer.Result(List.copyOf(files), tensors, total);
        }
    }

    /** Output tensors by shard file name, each in its input shard's order, a layer where its first tensor was. */
    private static Map<String, List<Entry>> plan(QuantizedModel model, DType dtype) {
        Checkpoint ckpt = model.checkpoint();
        Map<String, QuantizedLinear> layerOf = new HashMap<>();
        for (QuantizedLinear l : model.layers()) {
            l.tensors().values().forEach(t -> layerOf.put(t, l));
        }
        Set<QuantizedLinear> placed = new HashSet<>();
        Map<String, List<Entry>> shards = new LinkedHashMap<>();
        for (String name : ckpt.names()) {
            QuantizedLinear layer = layerOf.get(name);
            Entry e;
            if (layer == null) {
                Tensor t = ckpt.tensor(name);
                e = new Entry(name, t.dtype(), t.shape(), t.byteSize(), new Source.Kept(t));
            } else if (placed.add(layer)) {
                long bytes = layer.denseShape().elementCount() * (dtype.bits() / 8);
                e = new Entry(layer.denseName(), dtype, layer.denseShape(), bytes, new Source.Layer(layer));
            } else {
                continue;
            }
            shards.computeIfAbsent(shardOf(ckpt, name), s -> new ArrayList<>()).add(e);
        }
        return shards;
    }

    private static String shardOf(Checkpoint ckpt, String tensor) {
        if (ckpt instanceof ShardedCheckpoint s) {
            return s.index().map(i -> i.shardOf(tensor))
                    .orElseGet(() -> Path.of(s.shardOf(tensor).description()).getFileName().toString());
        }
        return Path.of(ckpt.description()).getFileName().toString();
    }

    private static TensorData data(Entry e, DType dtype, long[] done, long total, Dequantizer.Progress progress) {
        return switch (e.source()) {
            case Source.Layer l -> l.layer().dense(dtype, n -> progress.update(done[0] += n, total, e.name()));
            case Source.Kept k -> sink -> {
                sink.write(k.tensor().data());
                progress.update(done[0] += e.bytes(), total, e.name());
            };
        };
    }

    private static void writeIndex(Path file, ShardIndex index) {
        byte[] json = index.toJson().getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file, ch -> {
            ByteBuffer b = ByteBuffer.wrap(json);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
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
