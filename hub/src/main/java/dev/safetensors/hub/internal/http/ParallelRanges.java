package dev.safetensors.hub.internal.http;

import dev.safetensors.hub.internal.Tasks;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * Runs range requests with a bound on how many are in flight at once, shared by everything one client does
 * (remote reads from many threads, every file of a download): the Hub rate-limits, and past a handful of
 * connections a link gains nothing. A large range is split into chunks fetched in parallel on virtual threads;
 * the first failure cancels the other chunks.
 */
public final class ParallelRanges {
    /** One request's worth of work: bytes {@code [first, end)}. */
    @FunctionalInterface
    public interface Task {
        void run(long first, long end) throws IOException;
    }

    /** A request that returns what it read. */
    @FunctionalInterface
    public interface Request<T> {
        T run() throws IOException;
    }

    private final Semaphore permits;
    private final int connections;
    private final long chunk;

    /**
     * @param connections requests in flight at most
     * @param chunk       the size ranges are split into
     */
    public ParallelRanges(int connections, long chunk) {
        if (connections < 1 || chunk < 1) {
            throw new IllegalArgumentException("connections and chunk size must be positive, got " + connections
                    + " and " + chunk);
        }
        this.permits = new Semaphore(connections, true);
        this.connections = connections;
        this.chunk = chunk;
    }

    public int connections() {
        return connections;
    }

    public long chunkSize() {
        return chunk;
    }

    /** Runs one request while holding a connection permit. */
    public void one(long first, long end, Task task) throws IOException {
        acquire();
        try {
            task.run(first, end);
        } finally {
            permits.release();
        }
    }

    /**
     * Runs one request that returns a value (a probe) while holding a connection permit, so that many files opened
     * or downloaded side by side stay within the bound too. Never call it while holding a permit.
     */
    public <T> T request(Request<T> request) throws IOException {
        acquire();
        try {
            return request.run();
        } finally {
            permits.release();
        }
    }

    /**
     * Runs {@code [first, end)} as chunks of {@link #chunkSize()} in parallel (one request when it is small), and
     * returns when all are done.
     */
    public void split(long first, long end, Task task) throws IOException {
        if (end - first <= chunk || connections == 1) {
            one(first, end, task);
            return;
        }
        List<long[]> pieces = new ArrayList<>();
        for (long s = first; s < end; s += chunk) {
            pieces.add(new long[] {s, Math.min(end, s + chunk)});
        }
        all(pieces, task);
    }

    /** Runs the given ranges in parallel, each as one request; the first failure cancels the rest. */
    public void all(List<long[]> ranges, Task task) throws IOException {
        List<Tasks.IoTask> work = new ArrayList<>(ranges.size());
        for (long[] r : ranges) {
            work.add(() -> one(r[0], r[1], task));
        }
        Tasks.all(work);
    }

    private void acquire() throws InterruptedIOException {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a connection");
        }
    }

}
