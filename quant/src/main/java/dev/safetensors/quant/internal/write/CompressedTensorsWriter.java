package dev.safetensors.quant.internal.write;

import dev.safetensors.Checkpoint;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.quant.Detection;
import dev.safetensors.quant.Progress;
import dev.safetensors.quant.QuantizedModel;
import dev.safetensors.quant.Quantizer;
import dev.safetensors.quant.WriteReport;
import dev.safetensors.quant.internal.config.ConfigFiles;
import dev.safetensors.quant.internal.config.ConfigObject;
import dev.safetensors.quant.internal.config.ModulePatterns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Quantizer}'s work: picks the weights to quantize, streams each through its scheme's quantizer into
 * the input's file layout ({@link ShardedOutput}), and writes the config.json that describes the result.
 */
public final class CompressedTensorsWriter {
    /** The packing rules of this version are the ones written (identical for 4 and 8 bits in every version). */
    static final String VERSION = "0.17.0";

    private CompressedTensorsWriter() {
    }

    public static WriteReport run(Path in, Path out, Quantizer.Scheme scheme, List<String> ignore, Progress progress) {
        if (ShardedOutput.isFile(out)) {
            throw new IllegalArgumentException("a quantized checkpoint is a directory with its config.json; `" + out
                    + "` names a file");
        }
        WeightQuantizer quantizer = switch (scheme) {
            case FP8 -> new Fp8Quantizer(false);
            case FP8_BLOCK -> new Fp8Quantizer(true);
            case MXFP4 -> new Fp4Quantizer(false);
            case NVFP4 -> new Fp4Quantizer(true);
            case INT4 -> new Int4Quantizer();
        };
        Detection before = QuantizedModel.detect(in);
        if (before.isQuantized()) {
            throw new IllegalArgumentException(in + " is already quantized (" + before.summary() + "); quantize a dense "
                    + "checkpoint, or dequantize this one first");
        }
        ModulePatterns skip = ModulePatterns.of(ignore, ModulePatterns.Style.COMPRESSED_TENSORS, "ignore", "ignore");
        List<String> leftDense = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try (Checkpoint ckpt = Checkpoint.open(in)) {
            long[] done = {0};
            long[] total = {0};
            Map<String, List<OutputTensor>> shards = ShardedOutput.plan(ckpt, name -> {
                Tensor t = ckpt.tensor(name);
                String layer = name.endsWith(".weight") ? name.substring(0, name.length() - 7) : null;
                boolean candidate = layer != null && SourceRows.isDenseMatrix(t);
                if (candidate && !skip.matches(layer) && quantizer.fits(t)) {
                    return quantizer.quantize(layer, t).stream().map(OutputTensor::of)
                            .map(o -> counted(o, done, total, progress)).toList();
                }
                if (candidate) {
                    leftDense.add(layer);
                    if (!skip.matches(layer)) {
                        notes.add(layer + " stays dense: " + t.shape() + " does not suit " + scheme.cliName());
                    }
                }
                return List.of(counted(new OutputTensor(name, t.dtype(), t.shape(), t.byteSize(), TensorData.of(t.data())),
                        done, total, progress));
            });
            total[0] = shards.values().stream().flatMap(List::stream).mapToLong(OutputTensor::bytes).sum();
            List<Path> files = new ArrayList<>(ShardedOutput.write(ckpt, out, shards, Map.of("format", "pt")));
            Path config = out.resolve("config.json");
            ConfigJson.write(config, config(in, quantizer, leftDense));
            files.add(config);
            int tensors = shards.values().stream().mapToInt(List::size).sum();
            return new WriteReport(files, tensors, total[0], notes);
        }
    }

    private static OutputTensor counted(OutputTensor t, long[] done, long[] total, Progress progress) {
        return new OutputTensor(t.name(), t.dtype(), t.shape(), t.bytes(), sink -> {
            t.data().writeTo(sink);
            progress.update(done[0] += t.bytes(), total[0], t.name());
        });
    }

    /** The input's config.json (or an empty one) with compressed-tensors' quantization_config. */
    private static Map<String, Object> config(Path in, WeightQuantizer q, List<String> ignore) {
        ConfigObject existing = ConfigFiles.read(ConfigFiles.directoryOf(in)).get("config.json");
        Map<String, Object> config = existing == null ? new LinkedHashMap<>() : new LinkedHashMap<>(existing.values());
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("format", q.format());
        group.put("input_activations", q.inputArgs());
        group.put("output_activations", null);
        group.put("targets", List.of("Linear"));
        group.put("weights", q.weightArgs());
        Map<String, Object> qc = new LinkedHashMap<>();
        qc.put("config_groups", Map.of("group_0", group));
        qc.put("format", q.format());
        qc.put("global_compression_ratio", null);
        qc.put("ignore", List.copyOf(ignore));
        qc.put("kv_cache_scheme", null);
        qc.put("quant_method", "compressed-tensors");
        qc.put("quantization_status", "compressed");
        qc.put("sparsity_config", Map.of());
        qc.put("transform_config", Map.of());
        qc.put("version", VERSION);
        config.put("quantization_config", qc);
        return config;
    }
}
