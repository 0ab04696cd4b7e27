package dev.safetensors.torch;

import dev.safetensors.convert.ConversionCounts;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a conversion wrote.
 *
 * @param files      the safetensors files (and index) written, in order
 * @param tensors    tensors written
 * @param converted  tensors re-encoded to another dtype
 * @param bytes      tensor bytes written
 * @param duplicates names not written because they were the same view as another: dropped → kept
 * @param skipped    values of the checkpoint that are not tensors, not written
 * @param counts     for each tensor re-encoded to another dtype, what left the target's range
 */
public record ConversionReport(List<Path> files, int tensors, int converted, long bytes,
        Map<String, String> duplicates, List<SkippedEntry> skipped, Map<String, ConversionCounts> counts) {
    /** Copies the collections. */
    public ConversionReport {
        files = List.copyOf(files);
        duplicates = Map.copyOf(duplicates);
        skipped = List.copyOf(skipped);
        counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
    }
}
