package dev.safetensors.cli;

import dev.safetensors.quant.Progress;
import java.io.PrintWriter;

/**
 * A one-line percentage on stderr while a checkpoint is written, only on a terminal (the test is
 * {@link TerminalProgress#onTerminal()}'s: since JDK 22 {@code System.console()} exists when redirected too);
 * driven by the quant module's {@link Progress} callback.
 */
final class ProgressLine implements Progress {
    private final PrintWriter err;
    private int shown = -1;

    private ProgressLine(PrintWriter err) {
        this.err = err;
    }

    static Progress on(PrintWriter err) {
        return TerminalProgress.onTerminal() ? new ProgressLine(err) : Progress.NONE;
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
