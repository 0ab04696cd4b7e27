package dev.safetensors.cli;

import dev.safetensors.Checkpoint;
import dev.safetensors.SafeTensorsException;
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

    /** For an open checkpoint, with the configs in its directory. */
    static void print(Checkpoint checkpoint, Path path, PrintWriter out) {
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        try (QuantizedModel model = QuantizedModel.of(checkpoint, dir == null ? Path.of(".") : dir)) {
            print(model.detection(), model.logicalParameterCount(), out);
        }
    }

    /**
     * For a directory or an index that could not be opened (its shards are absent): what its config and index
     * say, when that is a quantization; errors here are left to the caller's own.
     */
    static void printFromNames(Path path, PrintWriter out) {
        if (!Files.isDirectory(path) && !path.toString().endsWith(".index.json")) {
            return;
        }
        try {
            Detection d = QuantizedModel.detect(path);
            if (d.isQuantized()) {
                out.println(path);
                print(d, null, out);
            }
        } catch (SafeTensorsException e) {
            // The path's own error is reported by inspect.
        }
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
