package dev.safetensors.hub.internal.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes response bodies that deliver nothing for too long. {@link java.net.http.HttpClient} bounds the wait
 * for response headers but not for the body, and a server that stops sending would otherwise hold a reader
 * forever. Closing the body from this thread wakes the blocked reader with an {@link IOException}, which the
 * range reader treats as a dropped connection (resume or retry).
 */
final class StallWatchdog implements AutoCloseable {
    private final long limitNanos;
    private final Set<Guarded> open = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;

    StallWatchdog(Duration limit) {
        this.limitNanos = limit.toNanos();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "safetensors-hub-stall-watchdog");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(50, Math.min(1000, limit.toMillis() / 4));
        timer.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /** The body, closed by this watchdog when no byte arrives for the limit. */
    InputStream guard(InputStream body) {
        Guarded g = new Guarded(body);
        open.add(g);
        return g;
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Guarded g : open) {
            if (now - g.lastProgress > limitNanos) {
                g.stalled = true;
                g.quietClose();
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    private final class Guarded extends FilterInputStream {
        volatile long lastProgress = System.nanoTime();
        volatile boolean stalled;

        Guarded(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            lastProgress = System.nanoTime();   // time blocked in read counts, a slow consumer does not
            try {
                int n = super.read(b, off, len);
                lastProgress = System.nanoTime();
                return n;
            } catch (IOException e) {
                if (stalled) {
                    throw new IOException("no data for " + Duration.ofNanos(limitNanos).toMillis() + " ms; the server stalled", e);
                }
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            open.remove(this);
            super.close();
        }

        void quietClose() {
            try {
                close();
            } catch (IOException ignored) {
                // Closing only wakes the reader; it reports the stall.
            }
        }
    }
}
