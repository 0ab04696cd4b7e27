package dev.safetensors.quant;

import java.nio.file.Path;
import java.util.List;

/**
 * What writing a checkpoint produced.
 *
 * @param files   the files written: the tensor files, then the index and config.json when there are any
 * @param tensors how many tensors the output holds
 * @param bytes   the tensor bytes written
 * @param notes   choices the writer made that its caller may want to know (layers left dense, and why)
 */
public record WriteReport(List<Path> files, int tensors, long bytes, List<String> notes) {
    public WriteReport {
        files = List.copyOf(files);
        notes = List.copyOf(notes);
    }
}
