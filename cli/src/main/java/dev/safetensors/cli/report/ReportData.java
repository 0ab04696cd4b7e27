package dev.safetensors.cli.report;

import dev.safetensors.TensorInfo;
import dev.safetensors.cli.scan.Histogram;
import dev.safetensors.cli.scan.TensorStats;
import java.util.List;
import java.util.Map;

/**
 * Everything a report shows, gathered before any HTML is written.
 *
 * @param title       what the checkpoint is called (its file or directory name)
 * @param source      the path as given
 * @param files       the safetensors files, one for a single file
 * @param index       the index file's name, or null
 * @param tensors     every tensor, in natural name order
 * @param headerBytes header bytes of all files together
 * @param metadata    the files' {@code __metadata__} together
 * @param indexMetadata the index's own metadata ({@code total_size}), empty without one
 * @param stats       statistics per tensor name; empty when values were not read
 * @param histograms  the histograms drawn, largest tensors first
 * @param notRead     tensors whose values were not read, with why
 * @param quantization what the quantization providers found, in their order
 * @param generator   the tool and version that wrote the report
 */
public record ReportData(String title, String source, List<String> files, String index, List<TensorInfo> tensors,
        long headerBytes, Map<String, String> metadata, Map<String, String> indexMetadata, Map<String, TensorStats> stats,
        List<TensorHistogram> histograms, Map<String, String> notRead, List<QuantizationInfo.Section> quantization,
        String generator) {

    /** One tensor's histogram with its statistics. */
    public record TensorHistogram(TensorInfo tensor, TensorStats stats, Histogram histogram) {
    }

    public ReportData {
        files = List.copyOf(files);
        tensors = List.copyOf(tensors);
        histograms = List.copyOf(histograms);
        quantization = List.copyOf(quantization);
    }

    public long parameters() {
        return tensors.stream().mapToLong(TensorInfo::elementCount).sum();
    }

    public long dataBytes() {
        return tensors.stream().mapToLong(TensorInfo::byteSize).sum();
    }
}
