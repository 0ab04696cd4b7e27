package dev.safetensors.cli;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.quant.Detection;
import dev.safetensors.quant.LayerPlan;
import dev.safetensors.quant.QuantizedModel;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code inspect}'s quantization section: the config's scheme, each quantized layer's scheme, bits, group size
 * and logical shape, and the unquantized model's parameter count. Printed only for quantized checkpoints.
 */
final class QuantReport {
    private QuantReport() {
    }

    /** For a file: its own layers, with the configs in its directory. */
    static void print(SafeTensorsFile file, Path path, PrintWriter out) {
        Path dir = path.toAbsolutePath().getParent();
        try (QuantizedModel model = QuantizedModel.of(file, dir == null ? Path.of(".") : dir)) {
            print(model.detection(), model.logicalParameterCount(), out);
        } catch (SafeTensorsException e) {
            if (e.kind() != SafeTensorsException.Kind.TensorNotFound) {
                throw e;
            }
            out.println("  quantization: a layer's tensors span several files; inspect the checkpoint's directory");
        }
    }

    /** For a directory or an index: the whole checkpoint, or what its config and index say when shards are absent. */
    static void print(Path checkpoint, PrintWriter out) {
        Detection d = QuantizedModel.detect(checkpoint);
        if (!d.isQuantized()) {
            out.println(checkpoint + ": not quantized");
            return;
        }
        out.println(checkpoint);
        Long parameters = null;
        if (d.notes().isEmpty() && (Files.isDirectory(checkpoint) || checkpoint.toString().endsWith(".json"))) {
            try (QuantizedModel model = QuantizedModel.open(checkpoint)) {
                parameters = model.logicalParameterCount();
            }
        }
        print(d, parameters, out);
    }

    private static void print(Detection d, Long parameters, PrintWriter out) {
        if (!d.isQuantized()) {
            return;
        }
        out.println("  quantization: " + d.summary() + d.config().map(c -> " (" + Path.of(c).getFileName() + ")")
                .orElse(""));
        if (!d.ignore().isEmpty()) {
            out.println("  not quantized: " + String.join(", ", d.ignore()));
        }
        int width = Math.min(72, d.layers().stream().mapToInt(l -> l.name().length()).max().orElse(5));
        if (!d.layers().isEmpty()) {
            out.printf("  %-" + width + "s  %-10s  %-38s  %4s  %5s  %s%n", "LAYER", "SCHEME", "FORMAT", "BITS", "GROUP",
                    "SHAPE");
        }
        for (LayerPlan l : d.layers()) {
            out.printf("  %-" + width + "s  %-10s  %-38s  %4d  %5s  %s%n", l.name(), l.scheme(), l.format(), l.bits(),
                    l.groupSize() < 0 ? "row" : String.valueOf(l.groupSize()), l.shape().map(Object::toString).orElse("?"));
        }
        out.printf("  %,d quantized layers%s%n", d.layers().size(), parameters == null ? ""
                : String.format("; logical parameters %,d", parameters));
        d.notes().forEach(n -> out.println("  note: " + n));
    }
}
