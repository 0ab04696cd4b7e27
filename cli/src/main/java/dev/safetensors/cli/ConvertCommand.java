package dev.safetensors.cli;

import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code safetensors convert}: rewrite a file through the streaming writer. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Rewrite IN as OUT through the streaming writer: canonical order, padding and sorted metadata,",
                "byte-compatible with the reference writer. OUT is replaced atomically; IN may equal OUT."})
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
            for (Tensor t : f.tensors()) {
                w.add(t.name(), t.dtype(), t.shape(), TensorData.of(t.data()));
            }
            w.write(out);
            spec.commandLine().getOut().printf("%s: wrote %d tensors, %,d bytes%n", out, f.size(), Files.size(out));
        }
        return 0;
    }
}
