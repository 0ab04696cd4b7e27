package dev.safetensors.cli;

import dev.safetensors.hub.DownloadListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Download progress on a terminal: one bar for the whole download and one per file in flight, redrawn in place
 * at most ten times a second. It is the command line's only progress display, behind the hub's
 * {@link DownloadListener}, so a progress-bar library can replace it without touching the commands.
 */
final class TerminalProgress implements DownloadListener {
    private static final int WIDTH = 24;
    private static final int MAX_FILES = 6;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final Map<String, long[]> active = new LinkedHashMap<>();   // file -> {done, size}
    private final long start = System.nanoTime();
    private long totalBytes;
    private long doneBytes;
    private int totalFiles;
    private int doneFiles;
    private int linesShown;
    private long lastDraw;

    TerminalProgress(PrintWriter err) {
        this.err = err;
    }

    /** Whether stderr is a terminal, where redrawing in place makes sense. */
    static boolean onTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    @Override
    public synchronized void started(int files, long bytes) {
        totalFiles += files;
        totalBytes += bytes;
        draw(true);
    }

    @Override
    public synchronized void fileStarted(String file, long size, long resumed) {
        active.put(file, new long[] {resumed, size});
        doneBytes += resumed;
        draw(false);
    }

    @Override
    public synchronized void progress(String file, long bytes) {
        long[] f = active.get(file);
        if (f != null) {
            f[0] += bytes;
        }
        doneBytes += bytes;
        draw(false);
    }

    @Override
    public synchronized void fileFinished(String file, Path path) {
        active.remove(file);
        doneFiles++;
        draw(true);
    }

    @Override
    public synchronized void finished() {
        draw(true);
        err.println();
        err.flush();
    }

    private void draw(boolean now) {
        long t = System.nanoTime();
        if (!now && t - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = t;
        StringBuilder sb = new StringBuilder();
        if (linesShown > 1) {
            sb.append("\033[").append(linesShown - 1).append('A');   // back to the first line of the last drawing
        }
        sb.append('\r');
        double seconds = Math.max(1e-3, (t - start) / 1e9);
        sb.append("\033[2K").append(bar(doneBytes, totalBytes)).append(String.format(Locale.ROOT, " %d/%d files  %s / %s  %s/s",
                doneFiles, totalFiles, bytes(doneBytes), bytes(totalBytes), bytes((long) (doneBytes / seconds))));
        int lines = 1;
        for (Map.Entry<String, long[]> e : active.entrySet()) {
            if (lines > MAX_FILES) {
                break;
            }
            long[] f = e.getValue();
            sb.append("\n\033[2K  ").append(bar(f[0], f[1])).append(' ').append(shorten(e.getKey()));
            lines++;
        }
        for (int extra = lines; extra < linesShown; extra++) {
            sb.append("\n\033[2K");   // clear lines a finished file left
        }
        int drawn = Math.max(lines, linesShown);
        if (drawn > lines) {
            sb.append("\033[").append(drawn - lines).append('A');
        }
        linesShown = lines;
        err.print(sb);
        err.flush();
    }

    private static String bar(long done, long total) {
        double f = total <= 0 ? 1 : Math.min(1, (double) done / total);
        int full = (int) Math.round(f * WIDTH);
        return "[" + "#".repeat(full) + " ".repeat(WIDTH - full) + String.format(Locale.ROOT, "] %3d%%", Math.round(f * 100));
    }

    private static String shorten(String s) {
        return s.length() <= 60 ? s : "..." + s.substring(s.length() - 57);
    }

    static String bytes(long n) {
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        double v = n;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }
}
