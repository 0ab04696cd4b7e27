package dev.safetensors.cli;

import dev.safetensors.ByteSink;
import dev.safetensors.TensorData;
import dev.safetensors.cli.scan.ProgressHook;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr (me.tongfei:progressbar) with the amount done, the rate and the time left, for work
 * that can take more than a second: {@code convert  42% [=====>      ] 1234/2930 MB (0:00:03 / 0:00:04) 412 MB/s},
 * for every command that has one (convert, quantize, dequantize, download, bench, stats, diff, report).
 * Only when stderr is a terminal and {@code --quiet} is not given ({@link Main#progress}); otherwise every call
 * does nothing. The bar appears once the work has taken half a second (quick work prints nothing), is redrawn
 * four times a second in place, and stays as the last line when the work ends.
 *
 * <p>Thread-safe: workers may advance it concurrently. The library draws from its own daemon thread.
 */
final class Progress implements AutoCloseable {
    /** Shows nothing. */
    static final Progress NONE = new Progress(null, "", 0, Unit.BYTES, false);

    /** What is counted. */
    enum Unit { BYTES, FILES, STEPS }


    private static final long PIECE = 8L << 20;

    private final PrintWriter err;
    private final String task;
    private final Unit unit;
    private final boolean unicode;
    private final long start = System.nanoTime();
    private final long delayNanos;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong total;
    private volatile String message = "";
    private ProgressBar bar;   // made on the first update after the delay
    private Line line;         // where it draws
    private boolean closed;

    private Progress(PrintWriter err, String task, long total, Unit unit, boolean unicode) {
        this.err = err;
        this.task = task;
        this.total = new AtomicLong(total);
        this.unit = unit;
        this.unicode = unicode;
        // How long work runs before the bar appears; a system property so that tests need not wait.
        this.delayNanos = Long.getLong("safetensors.progress.delay.ms", 500) * 1_000_000L;
    }

    /** A bar for {@code task} over {@code total} units, drawn on {@code err} (a terminal). */
    static Progress on(PrintWriter err, String task, long total, Unit unit, boolean unicode) {
        return new Progress(err, task, total, unit, unicode);
    }

    /** {@code n} more units done. */
    void advance(long n) {
        if (err != null) {
            done.addAndGet(n);
            update();
        }
    }

    /** {@code n} units done in all. */
    void stepTo(long n) {
        if (err != null) {
            done.set(n);
            update();
        }
    }

    /** {@code done} of {@code total} units done (a library's own progress callback). */
    void update(long done, long total) {
        if (err != null) {
            this.total.set(total);
            this.done.set(done);
            update();
        }
    }

    /** This bar as a value scan's progress (stats, diff, report): bytes done of all, and the tensor being read. */
    ProgressHook hook() {
        if (err == null) {
            return ProgressHook.NONE;
        }
        return (doneBytes, totalBytes, item) -> {
            total.set(totalBytes);
            done.set(doneBytes);
            message = " " + ErrorLine.oneLine(item);
            update();
        };
    }

    /** The total grew (files discovered as the work goes). */
    void addToTotal(long n) {
        if (err != null) {
            total.addAndGet(n);
            update();
        }
    }

    /** What is being worked on now (a tensor, a file), shown after the figures. */
    void message(String what) {
        if (err != null) {
            message = " " + ErrorLine.oneLine(what);
            update();
        }
    }

    /** {@code data} counted into this bar as the writer streams it (in pieces, so a large tensor moves the bar). */
    TensorData counting(TensorData data) {
        if (err == null) {
            return data;
        }
        return sink -> data.writeTo(new ByteSink() {
            @Override
            public void write(MemorySegment bytes) throws IOException {
                for (long off = 0; off < bytes.byteSize(); off += PIECE) {
                    long n = Math.min(PIECE, bytes.byteSize() - off);
                    sink.write(bytes.asSlice(off, n));
                    advance(n);
                }
            }
        });
    }

    /** {@code channel}, with the bytes written to it counted into this bar. */
    WritableByteChannel counting(WritableByteChannel channel) {
        if (err == null) {
            return channel;
        }
        return new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                int n = channel.write(src);
                advance(n);
                return n;
            }

            @Override
            public boolean isOpen() {
                return channel.isOpen();
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    private synchronized void update() {
        if (closed) {
            return;
        }
        if (bar == null) {
            if (System.nanoTime() - start < delayNanos) {
                return;
            }
            bar = build();
        }
        bar.maxHint(total.get());
        bar.stepTo(done.get());
        bar.setExtraMessage(message);
    }

    private ProgressBar build() {
        long max = total.get();
        // The unit that keeps the counts readable: "1234/2930 MB".
        long unitSize = unit != Unit.BYTES ? 1 : max >= 10_000_000_000L ? 1_000_000_000L : max >= 10_000_000L ? 1_000_000L
                : max >= 10_000L ? 1_000L : 1;
        String unitName = switch (unit) {
            case BYTES -> unitSize == 1_000_000_000L ? " GB" : unitSize == 1_000_000L ? " MB" : unitSize == 1_000L ? " kB"
                    : " B";
            case FILES -> " files";
            case STEPS -> "";
        };
        int width = TerminalColumns.ofStderr() - 1;
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .startsFrom(0, java.time.Duration.ofNanos(System.nanoTime() - start))
                .setStyle(unicode ? ProgressBarStyle.UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUnit(unitName, unitSize)
                .showSpeed(new DecimalFormat("0.0", DecimalFormatSymbols.getInstance(Locale.ROOT)))
                .setUpdateIntervalMillis(250)
                .continuousUpdate()
                .setConsumer(line = new Line(err, width))
                .build();
    }

    /** Draws the last state and ends the line; the bar then stays as it was. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;   // closed by the command before its report, then again by try-with-resources
        }
        closed = true;
        if (bar != null) {
            bar.stepTo(done.get());
            bar.close();
            // The library ends the line only from its second drawing on: a bar closed before its first scheduled
            // redraw (quick work with no delay) would leave the next output on its line.
            line.close();
        }
    }

    /** One line of the terminal, redrawn from its start; ended once. */
    private static final class Line implements ProgressBarConsumer {
        private final PrintWriter err;
        private final int width;
        private boolean ended;

        Line(PrintWriter err, int width) {
            this.err = err;
            this.width = width;
        }

        @Override
        public int getMaxRenderedLength() {
            return width;
        }

        @Override
        public void accept(String rendered) {
            err.print("\r" + rendered + "\033[K");
            err.flush();
        }

        @Override
        public synchronized void close() {
            if (!ended) {
                ended = true;
                err.println();
                err.flush();
            }
        }
    }
}
