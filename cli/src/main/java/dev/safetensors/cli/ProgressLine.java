package dev.safetensors.cli;

import dev.safetensors.quant.Progress;
import java.io.PrintWriter;

/**
 * A one-line percentage on stderr while a checkpoint is written, only when stderr is a terminal; a stand-in
 * the progress-bar library will replace, driven by the quant module's {@link Progress} callback.
 */
final class ProgressLine implements Progress {
    private final PrintWriter err;
    private int shown = -1;

    private ProgressLine(PrintWriter err) {
        this.err = err;
    }

    static Progress on(PrintWriter err) {
        return System.console() != null ? new ProgressLine(err) : Progress.NONE;
    }

    @Override
    public void update(long doneBytes, long totalBytes, String tensor) {
        int percent = totalBytes == 0 ? 100 : (int) (100 * doneBytes / totalBytes);
        if (percent != shown) {
            shown = percent;
            err.printf("\r%3d%% %-60.60s", percent, tensor);
            if (percent == 100) {
                err.println();
            }
            err.flush();
        }
    }
}
