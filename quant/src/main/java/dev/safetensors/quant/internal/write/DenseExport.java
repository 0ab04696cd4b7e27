package dev.safetensors.quant.internal.write;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.quant.Dequantizer;
import dev.safetensors.quant.Progress;
import dev.safetensors.quant.WriteReport;
import dev.safetensors.quant.QuantizedLinear;
import dev.safetensors.quant.QuantizedModel;
import dev.safetensors.quant.internal.config.ConfigFiles;
import dev.safetensors.quant.internal.config.ConfigObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * {@link Dequantizer}'s work: each quantized layer written dense where its first tensor was, every other
 * tensor kept, in the input's file layout ({@link ShardedOutput}).
 */
public final class DenseExport {
    private DenseExport() {
    }

    public static WriteReport run(Path in, Path out, DType dtype, Progress progress) {
        if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("dequantization writes F32, BF16 or F16, not " + dtype);
        }
        try (QuantizedModel model = QuantizedModel.open(in)) {
            Checkpoint ckpt = model.checkpoint();
            Map<String, QuantizedLinear> layerOf = new HashMap<>();
            for (QuantizedLinear l : model.layers()) {
                l.tensors().values().forEach(t -> layerOf.put(t, l));
            }
            Set<QuantizedLinear> placed = new HashSet<>();
            Counter counter = new Counter(progress);
            Map<String, List<OutputTensor>> shards = ShardedOutput.plan(ckpt, name -> {
                QuantizedLinear layer = layerOf.get(name);
                if (layer == null) {
                    Tensor t = ckpt.tensor(name);
                    return List.of(new OutputTensor(name, t.dtype(), t.shape(), t.byteSize(), counter.kept(name, t)));
                }
                if (!placed.add(layer)) {
                    return List.of();
                }
                long bytes = layer.denseShape().elementCount() * (dtype.bits() / 8);
                return List.of(new OutputTensor(layer.denseName(), dtype, layer.denseShape(), bytes,
                        layer.dense(dtype, counter.tiles(layer.denseName()))));
            });
            counter.total = shards.values().stream().flatMap(List::stream).mapToLong(OutputTensor::bytes).sum();
            List<Path> files = new ArrayList<>(ShardedOutput.write(ckpt, out, shards, Map.of("format", "pt")));
            ConfigObject config = ConfigFiles.read(ConfigFiles.directoryOf(in)).get("config.json");
            if (config != null && !ShardedOutput.isFile(out)) {
                Path written = out.resolve("config.json");
                ConfigJson.write(written, DenseConfig.of(config, dtype));
                files.add(written);
            }
            int tensors = shards.values().stream().mapToInt(List::size).sum();
            return new WriteReport(files, tensors, counter.total, List.of());
        }
    }

    /** Adds up the bytes written and tells the listener. */
    private static final class Counter {
        private final Progress progress;
        private long done;
        private long total;

        Counter(Progress progress) {
            this.progress = progress;
        }

        LongConsumer tiles(String tensor) {
            return n -> progress.update(done += n, total, tensor);
        }

        TensorData kept(String name, Tensor t) {
            return sink -> {
                sink.write(t.data());
                progress.update(done += t.byteSize(), total, name);
            };
        }
    }
}
