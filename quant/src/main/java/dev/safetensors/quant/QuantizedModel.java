package dev.safetensors.quant;

import dev.safetensors.Checkpoint;
import dev.safetensors.Header;
import dev.safetensors.OpenOptions;
import dev.safetensors.ShardIndex;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.Tensor;
import dev.safetensors.quant.internal.detect.CheckpointFiles;
import dev.safetensors.quant.internal.detect.LayerGroup;
import dev.safetensors.quant.internal.detect.Survey;
import dev.safetensors.quant.internal.layout.LayerTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A checkpoint with its quantized layers recognised: the layers as {@link QuantizedLinear}s, checked
 * against each other and the config when opened, and every other tensor as it is.
 *
 * <p>The config is read from the checkpoint's directory ({@code config.json}'s {@code quantization_config} or
 * MLX's {@code quantization}, {@code quantize_config.json}, {@code quant_config.json},
 * {@code hf_quant_config.json}); without one, layouts are recognised from tensor names and shapes.
 *
 * <pre>{@code
 * try (QuantizedModel model = QuantizedModel.open(Path.of("Qwen3-14B-MLX-4bit"))) {
 *     for (QuantizedLinear layer : model.layers()) {
 *         System.out.println(layer);   // model.layers.0.mlp.down_proj: MLX_AFFINE (mlx affine), 4-bit, group 64, ...
 *     }
 *     model.logicalParameterCount();  // parameters of the unquantized model
 * }
 * }</pre>
 *
 * <p>The factories throw {@link dev.safetensors.SafeTensorsException}: {@code UnsupportedQuantization} for a method
 * or format not read, {@code InvalidQuantization} for a config or layer that contradicts itself,
 * {@code TensorNotFound} for a layer missing a tensor, and the core's kinds for the files themselves.
 */
public final class QuantizedModel implements AutoCloseable {
    private final Checkpoint checkpoint;
    private final boolean owned;
    private final Survey survey;
    private final List<QuantizedLinear> layers;
    private final Map<String, QuantizedLinear> byName;
    private final Set<String> consumed;

    private QuantizedModel(Checkpoint checkpoint, boolean owned, Survey survey) {
        this.checkpoint = checkpoint;
        this.owned = owned;
        this.survey = survey;
        List<QuantizedLinear> list = new ArrayList<>();
        Map<String, QuantizedLinear> map = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        for (LayerGroup g : survey.groups(checkpoint.names(), checkpoint.description())) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            g.tensors().forEach((role, name) -> tensors.put(role, checkpoint.tensor(name)));
            LayerTensors t = new LayerTensors(fileOf(checkpoint, g.tensors().values().iterator().next()), g.layer(),
                    g.format().format(), tensors);
            QuantizedLinear layer = new QuantizedLinear(g.format().build(t));
            list.add(layer);
            map.put(layer.name(), layer);
            used.addAll(g.tensors().values());
        }
        this.layers = List.copyOf(list);
        this.byName = Collections.unmodifiableMap(map);
        this.consumed = Collections.unmodifiableSet(used);
    }

    /** The file holding a tensor, for messages: the shard's path in a sharded checkpoint. */
    private static String fileOf(Checkpoint checkpoint, String tensor) {
        return checkpoint instanceof ShardedCheckpoint s ? s.shardOf(tensor).description() : checkpoint.description();
    }

    /** Opens a file, an index or a directory, with the configs beside it. */
    public static QuantizedModel open(Path path) {
        return open(path, OpenOptions.defaults());
    }

    public static QuantizedModel open(Path path, OpenOptions options) {
        Survey survey = Survey.of(path);
        Checkpoint checkpoint = Checkpoint.open(path, options);
        try {
            return new QuantizedModel(checkpoint, true, survey);
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    /**
     * Recognises the quantized layers of a checkpoint the caller opened, with the configs in
     * {@code configDirectory}; closing the model leaves the checkpoint open.
     */
    public static QuantizedModel of(Checkpoint checkpoint, Path configDirectory) {
        return new QuantizedModel(checkpoint, false, Survey.of(configDirectory));
    }

    /**
     * {@return what the configs and tensor names say, reading no tensor data: every layer is checked as
     * {@link #open} checks it when the tensor files are there; from an index whose shards are absent, layers
     * are found by name alone and {@link Detection#notes()} says what was not checked}
     */
    public static Detection detect(Path path) {
        Survey survey = Survey.of(path);
        Optional<Path> index = CheckpointFiles.index(path);
        List<String> notes = new ArrayList<>();
        List<String> names = null;
        if (index.isPresent()) {
            ShardIndex parsed = ShardIndex.read(index.get(), Header.DEFAULT_MAX_SIZE);
            List<String> missing = CheckpointFiles.missingShards(index.get(), parsed);
            if (!missing.isEmpty()) {
                names = List.copyOf(parsed.weightMap().keySet());
                notes.add("layers found by name in " + index.get().getFileName() + "; their shapes and dtypes need the "
                        + missing.size() + " absent shard" + (missing.size() == 1 ? "" : "s") + " (" + missing.get(0)
                        + (missing.size() > 1 ? ", ..." : "") + ")");
            }
        } else if (Files.isDirectory(path) && CheckpointFiles.safetensors(path).isEmpty()) {
            names = List.of();
            notes.add("no tensors: " + path + " holds neither *.safetensors files nor an index, so only the config "
                    + "was read; listing the layers needs the tensor names");
        }
        if (names == null) {
            try (QuantizedModel model = open(path)) {
                return model.detection();
            }
        }
        List<LayerPlan> plans = survey.groups(names, index.map(Path::toString).orElse(path.toString())).stream()
                .map(g -> g.format().plan(g.layer(), g.tensors())).toList();
        return new Detection(survey.method(), survey.source(), survey.summary(), plans, survey.ignore(), notes);
    }

    /** {@return what was detected, every layer with its shape} */
    public Detection detection() {
        return new Detection(survey.method(), survey.source(), survey.summary(),
                layers.stream().map(QuantizedLinear::plan).toList(), survey.ignore(), List.of());
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /** {@return the quantized layers, in the order of their tensors in the checkpoint} */
    public List<QuantizedLinear> layers() {
        return layers;
    }

    /** {@return the layer with this prefix} */
    public Optional<QuantizedLinear> layer(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** {@return whether a tensor is part of a quantized layer (codes, scales, zero points, ...), not a dense tensor} */
    public boolean isQuantizationTensor(String tensorName) {
        return consumed.contains(tensorName);
    }

    /** {@return the names of the tensors that are not part of any quantized layer, in checkpoint order} */
    public List<String> denseTensorNames() {
        return checkpoint.names().stream().filter(n -> !consumed.contains(n)).toList();
    }

    /** {@return the unquantized model's parameter count: each layer's logical elements plus every dense tensor's} */
    public long logicalParameterCount() {
        long n = 0;
        for (QuantizedLinear l : layers) {
            n += l.shape().elementCount();
        }
        for (String name : denseTensorNames()) {
            n += checkpoint.tensor(name).elementCount();
        }
        return n;
    }

    /** Closes the checkpoint if this model opened it. */
    @Override
    public void close() {
        if (owned) {
            checkpoint.close();
        }
    }
}
