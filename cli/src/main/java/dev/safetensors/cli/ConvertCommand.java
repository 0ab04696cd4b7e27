package dev.safetensors.cli;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.convert.Conversion;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import dev.safetensors.convert.SubBytePacking;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code safetensors convert}: rewrite a file through the streaming writer. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Rewrite IN as OUT through the streaming writer: canonical order, padding and sorted metadata,",
                "byte-compatible with the reference writer. OUT is replaced atomically; IN may equal OUT.",
                "With --dtype, floating tensors are re-encoded (F6 is kept: its packing is undefined)."})
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "input safetensors file")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "output safetensors file")
    Path out;

    @Option(names = "--metadata", paramLabel = "KEY=VALUE",
            description = "Add or replace a metadata entry (repeatable).")
    List<String> metadata = List.of();

    @Option(names = "--dtype", paramLabel = "DTYPE",
            description = "Re-encode floating tensors as BF16, F16, F32, F8_E4M3, F8_E5M2, F8_E4M3FNUZ or F8_E5M2FNUZ "
                    + "(round to nearest even); other tensors are kept as they are.")
    DType dtype;

    @Option(names = "--only", paramLabel = "REGEX", description = "With --dtype: convert only tensors whose name matches.")
    Pattern only;

    @Option(names = "--overflow", paramLabel = "MODE", defaultValue = "SATURATE",
            description = "With --dtype, values beyond the target's range: SATURATE (clamp to ±max, the default) or "
                    + "NON_SATURATING (Inf or NaN, as PyTorch's cast).")
    Overflow overflow;

    @Override
    public Integer call() throws Exception {
        Map<String, String> extra = new LinkedHashMap<>();
        for (String kv : metadata) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new ParameterException(spec.commandLine(), "--metadata needs KEY=VALUE, got `" + kv + "`");
            }
            extra.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(in)) {
            SafeTensorsWriter w = SafeTensorsWriter.create();
            if (f.metadata().isPresent() || !extra.isEmpty()) {
                Map<String, String> merged = new LinkedHashMap<>(f.metadata().orElse(Map.of()));
                merged.putAll(extra);
                w.metadata(merged);
            }
            if (dtype != null && !FloatEncoder.canEncode(dtype)) {
                throw new ParameterException(spec.commandLine(), "--dtype " + dtype + " is not a target: use BF16, F16, "
                        + "F32, F8_E4M3, F8_E5M2, F8_E4M3FNUZ or F8_E5M2FNUZ");
            }
            int converted = 0;
            for (Tensor t : f.tensors()) {
                if (converts(t)) {
                    w.add(t.name(), dtype, t.shape(), Conversion.of(t, dtype, overflow, SubBytePacking.DEFAULT));
                    converted++;
                } else {
                    w.add(t.name(), t.dtype(), t.shape(), TensorData.of(t.data()));
                }
            }
            w.write(out);
            spec.commandLine().getOut().printf("%s: wrote %d tensors (%d converted), %,d bytes%n", out, f.size(),
                    converted, Files.size(out));
        }
        return 0;
    }

    /** F6 has no agreed packing (QUANT.md §8), so it is kept as is rather than guessed. */
    private boolean converts(Tensor t) {
        return dtype != null && Conversion.isFloating(t.dtype()) && t.dtype() != dtype
                && t.dtype() != DType.F6_E2M3 && t.dtype() != DType.F6_E3M2
                && (only == null || only.matcher(t.name()).find());
    }
}
