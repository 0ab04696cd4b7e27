package dev.safetensors.cli.report;

import dev.safetensors.Checkpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a report says about a checkpoint's quantization: the extension point where a detector plugs in. The
 * built-in {@link ConfigQuantization} reports the quantization config found beside the checkpoint and the
 * low-precision dtypes among its tensors; the quant module's detection (schemes, layers, group sizes) is meant
 * to be one more implementation, added to {@link #providers()}.
 */
public interface QuantizationInfo {

    /**
     * A titled table for the report.
     *
     * @param title  what the rows are, e.g. {@code quantization_config (config.json)}
     * @param header the column names
     * @param rows   the cells, each row as long as the header
     * @param notes  sentences under the table
     */
    record Section(String title, List<String> header, List<List<String>> rows, List<String> notes) {
        public Section {
            header = List.copyOf(header);
            rows = rows.stream().map(List::copyOf).toList();
            notes = List.copyOf(notes);
            for (List<String> r : rows) {
                if (r.size() != header.size()) {
                    throw new IllegalArgumentException(r.size() + " cells for " + header.size() + " columns");
                }
            }
        }
    }

    /**
     * What this provider can tell about {@code checkpoint}, opened from {@code path} (null when it came from an
     * address, with no folder to look beside); empty when it finds nothing. Must not throw for a checkpoint it does not understand: it says so in a note, or returns empty.
     */
    Optional<Section> describe(Path path, Checkpoint checkpoint);

    /** The providers a report asks, in order. */
    static List<QuantizationInfo> providers() {
        return List.of(new ConfigQuantization());
    }
}
