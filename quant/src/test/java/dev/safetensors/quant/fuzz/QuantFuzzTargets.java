package dev.safetensors.quant.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.safetensors.DType;
import dev.safetensors.Header;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.quant.QuantizedLinear;
import dev.safetensors.quant.QuantizedModel;
import dev.safetensors.quant.internal.config.ConfigFiles;
import dev.safetensors.quant.internal.config.QuantConfig;
import dev.safetensors.quant.internal.config.QuantConfigParser;
import dev.safetensors.quant.internal.detect.Detector;
import dev.safetensors.quant.internal.detect.FormatCatalog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The quantization fuzz target, a static method so Jazzer's own driver can run it for hours as well. Half the
 * inputs are a config.json parsed and turned into formats and layer groups; the other half a layer of one of
 * the schemes whose every tensor has a fuzzed dtype, shape and content, opened, dequantized, unpacked and
 * streamed dense. The only outcomes allowed are success and a {@link SafeTensorsException}.
 */
public final class QuantFuzzTargets {
    /** One config per layout, and none (every layout, parameters read from the shapes). */
    static final String[] CONFIGS = {
        "{\"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 32}}",
        "{\"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": 3, \"group_size\": -1, \"desc_act\": true}}",
        "{\"quantization_config\": {\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 32}}",
        "{\"quantization_config\": {\"quant_method\": \"fp8\", \"weight_block_size\": [16, 16]}}",
        ct("pack-quantized", "0.17.0", "\"num_bits\": 4, \"type\": \"int\", \"strategy\": \"group\", \"group_size\": 16"),
        ct("pack-quantized", "0.16.0", "\"num_bits\": 3, \"type\": \"int\", \"symmetric\": false, \"strategy\": \"group\", "
                + "\"group_size\": 16, \"actorder\": \"group\""),
        ct("float-quantized", "0.17.0", "\"num_bits\": 8, \"type\": \"float\", \"strategy\": \"channel\""),
        ct("nvfp4-pack-quantized", "0.17.0", "\"num_bits\": 4, \"type\": \"float\", \"strategy\": \"tensor_group\", "
                + "\"group_size\": 16"),
        ct("mxfp4-pack-quantized", "0.17.0", "\"num_bits\": 4, \"type\": \"float\", \"strategy\": \"group\", "
                + "\"group_size\": 32"),
        "{\"quantization_config\": {\"quant_method\": \"mxfp4\"}}",
        "{\"quantization_config\": {\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\"}}",
        "{\"quantization_config\": {\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": true, "
                + "\"bnb_4bit_quant_type\": \"nf4\", \"bnb_4bit_use_double_quant\": true}}",
        "{\"quantization_config\": {\"quant_method\": \"bitsandbytes\", \"load_in_8bit\": true}}",
        "{\"quantization\": {\"group_size\": 16, \"bits\": 4}}",
        "{}",
    };

    /** The tensors each config's layer may have (suffixes of the layer name {@code l}). */
    static final String[][] ROLES = {
        {".qweight", ".qzeros", ".scales", ".g_idx"},
        {".qweight", ".qzeros", ".scales", ".g_idx"},
        {".qweight", ".qzeros", ".scales"},
        {".weight", ".weight_scale_inv"},
        {".weight_packed", ".weight_scale", ".weight_shape", ".weight_g_idx"},
        {".weight_packed", ".weight_scale", ".weight_shape", ".weight_zero_point", ".weight_g_idx"},
        {".weight", ".weight_scale", ".weight_zero_point"},
        {".weight_packed", ".weight_scale", ".weight_global_scale"},
        {".weight_packed", ".weight_scale"},
        {"_blocks", "_scales"},
        {".weight", ".weight_scale", ".weight_scale_2"},
        {".weight", ".weight.absmax", ".weight.quant_map", ".weight.quant_state.bitsandbytes__nf4",
            ".weight.nested_absmax", ".weight.nested_quant_map"},
        {".weight", ".SCB", ".weight_format"},
        {".weight", ".scales", ".biases"},
        {".qweight", ".qzeros", ".scales", ".weight_packed", ".weight_scale", ".weight_shape", "_blocks", "_scales"},
    };

    static final DType[] DTYPES = {DType.I32, DType.U32, DType.U8, DType.I8, DType.F16, DType.BF16, DType.F32,
        DType.F8_E4M3, DType.I64, DType.F8_E8M0};

    private static Path[] dirs;

    private QuantFuzzTargets() {
    }

    private static String ct(String format, String version, String weights) {
        return "{\"quantization_config\": {\"quant_method\": \"compressed-tensors\", \"format\": \"" + format
                + "\", \"version\": \"" + version + "\", \"config_groups\": {\"g\": {\"targets\": [\"Linear\"], "
                + "\"weights\": {" + weights + "}}}}}";
    }

    /** The config directories, written once per JVM. */
    private static synchronized Path[] dirs() {
        if (dirs == null) {
            try {
                Path root = Files.createTempDirectory("quant-fuzz");
                dirs = new Path[CONFIGS.length];
                for (int i = 0; i < CONFIGS.length; i++) {
                    dirs[i] = Files.createDirectories(root.resolve("c" + i));
                    Files.writeString(dirs[i].resolve("config.json"), CONFIGS[i]);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dirs;
    }

    public static void fuzz(FuzzedDataProvider data) {
        try {
            if (data.consumeBoolean()) {
                config(data);
            } else {
                layer(data);
            }
        } catch (SafeTensorsException expected) {
            // the one allowed failure
        }
    }

    /** A config.json of fuzzed text: parsed, turned into candidates, matched against a few names. */
    private static void config(FuzzedDataProvider data) {
        byte[] json = data.consumeBytes(4096);
        Optional<QuantConfig> config = QuantConfigParser.parse(Map.of("config.json", ConfigFiles.parse(json, "fuzz")));
        if (config.isPresent()) {
            List<String> names = List.of("l.qweight", "l.qzeros", "l.scales", "l.weight", "l.weight_scale",
                    "l.weight_packed", "l.biases", "lm_head.weight", "e.x_blocks", "e.x_scales");
            Detector.group(names, FormatCatalog.of(config.get()), "fuzz");
        }
    }

    /** One layer of a chosen layout, every tensor fuzzed, then read every way. */
    private static void layer(FuzzedDataProvider data) {
        int t = data.consumeInt(0, CONFIGS.length - 1);
        SafeTensorsWriter writer = SafeTensorsWriter.create();
        for (String role : ROLES[t]) {
            if (data.consumeInt(0, 7) == 0) {
                continue;                                 // a missing tensor now and then
            }
            if (role.contains("quant_state")) {
                byte[] state = data.consumeString(200).getBytes(StandardCharsets.UTF_8);
                writer.add("l" + role, DType.U8, Shape.of(state.length), TensorData.of(state));
                continue;
            }
            DType dtype = DTYPES[data.consumeInt(0, DTYPES.length - 1)];
            int rank = data.consumeInt(0, 4);
            long[] dims = new long[rank];
            long elements = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = data.consumeInt(0, 40);
                elements *= dims[i];
            }
            long bytes = elements * dtype.bits() / 8;
            if (bytes > 1 << 16) {
                continue;
            }
            byte[] content = java.util.Arrays.copyOf(data.consumeBytes((int) bytes), (int) bytes);
            writer.add("l" + role, dtype, Shape.of(dims), TensorData.of(content));
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        try {
            writer.write(Channels.newChannel(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(new InMemorySource(file.toByteArray()), Header.DEFAULT_MAX_SIZE);
             QuantizedModel model = QuantizedModel.of(f, dirs()[t]); Arena arena = Arena.ofConfined()) {
            for (QuantizedLinear layer : model.layers()) {
                read(layer, arena);
            }
            model.logicalParameterCount();
        }
    }

    private static void read(QuantizedLinear layer, Arena arena) {
        long rows = Math.min(layer.rows(), 3);
        if (rows * layer.columns() > 1 << 20) {
            rows = 1;
        }
        float[] f = layer.dequantize(0, rows);
        MemorySegment bf = arena.allocate(Math.max(1, f.length * 2L));
        layer.dequantize(0, rows, DType.BF16, bf);
        layer.unpack(0, rows).value(0, 0);
        long dense = layer.denseShape().elementCount();
        if (dense <= 1 << 16) {
            long[] written = {0};
            try {
                layer.dense(DType.F16, n -> { }).writeTo(bytes -> written[0] += bytes.byteSize());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (written[0] != 2 * dense) {
                throw new AssertionError("dense stream of " + layer.name() + " gave " + written[0] + " bytes, not "
                        + 2 * dense);
            }
        }
    }
}
