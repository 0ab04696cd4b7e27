package dev.safetensors.cli;

/**
 * The quant module's progress callback as a {@link Progress} bar (quantize, dequantize): bytes written, rate and
 * time left, with the tensor being written; shown only where {@link Main#progress} shows bars.
 */
final class ProgressLine {
    private ProgressLine() {
    }

    static dev.safetensors.quant.Progress on(Progress bar) {
        return (doneBytes, totalBytes, tensor) -> {
            bar.update(doneBytes, totalBytes);
            bar.message(tensor);
        };
    }
}
