package dev.safetensors.cli;

import dev.safetensors.cli.scan.ProgressHook;
import dev.safetensors.cli.text.Units;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a value scan (stats, diff, report): one line on stderr, redrawn at most ten times a second, with the bytes done, the rate and the time left; the
 * line is erased when the work ends. Only on a terminal: piped or with {@code --quiet}, nothing is printed.
 */
final class ScanProgress implements ProgressHook, AutoCloseable {
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final String what;
    private final long start = System.nanoTime();
    private long lastDraw = Long.MIN_VALUE;
    private boolean drawn;

    private ScanProgress(PrintWriter err, String what) {
        this.err = err;
        this.what = what;
    }

    /** A progress line for {@code what} ("stats", "diff") when stderr is a terminal and not quiet; else none. */
    static ScanProgress on(Terminal terminal, boolean quiet, PrintWriter err, String what) {
        return new ScanProgress(terminal.stderr() && !quiet ? err : null, what);
    }

    /** The hook to hand to the work. */
    ProgressHook hook() {
        return err == null ? ProgressHook.NONE : this;
    }

    @Override
    public synchronized void update(long doneBytes, long totalBytes, String item) {
        long now = System.nanoTime();
        if (doneBytes < totalBytes && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        double seconds = (now - start) / 1e9;
        double rate = seconds > 0 ? doneBytes / seconds : 0;
        String eta = rate > 0 && doneBytes < totalBytes
                ? String.format(Locale.ROOT, ", %.0f s left", (totalBytes - doneBytes) / rate) : "";
        int percent = totalBytes == 0 ? 100 : (int) (100.0 * doneBytes / totalBytes);
        String line = String.format(Locale.ROOT, "%s %3d%% %s of %s, %s/s%s  %s", what, percent, Units.bytes(doneBytes),
                Units.bytes(totalBytes), Units.bytes((long) rate), eta, item);
        // Cut to a line's width, so the carriage return redraws it in place.
        err.print("\r\u001b[K" + ErrorLine.oneLine(line.length() > 100 ? line.substring(0, 100) : line));
        err.flush();
        drawn = true;
    }

    /** Erases the line. */
    @Override
    public synchronized void close() {
        if (drawn) {
            err.print("\r\u001b[K");
            err.flush();
        }
    }
}
