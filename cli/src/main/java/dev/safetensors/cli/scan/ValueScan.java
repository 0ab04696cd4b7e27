package dev.safetensors.cli.scan;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One pass over the values of many tensors on every core, in bounded memory: each tensor is cut into tasks of
 * {@link #TASK} values, worker threads take the tasks in the order given (file order, so reads stay
 * sequential), read and fold each task block by block into an accumulator of their own, and the partial
 * accumulators of a tensor are merged in task order at the end.
 *
 * <p>Memory is one {@link Workspace} per thread plus one small accumulator per task, whatever the tensor
 * sizes. Results do not depend on the number of threads: the cut into tasks and the order of merging are fixed.
 *
 * <pre>{@code
 * List<StatsAccumulator> stats = ValueScan.run(tensors.stream().map(t -> StatsAccumulator.job(t, packing)).toList(),
 *         Runtime.getRuntime().availableProcessors(), ProgressHook.NONE);
 * }</pre>
 */
public final class ValueScan {
    /** Values decoded at once: a multiple of 4 (whole F4 pairs and F6 groups), a few hundred KiB of buffers. */
    public static final int BLOCK = 1 << 14;
    /** Values per task: enough that partial results stay few, few enough to spread one large tensor over all cores. */
    public static final long TASK = 1L << 22;

    private ValueScan() {
    }

    /** A partial result that can take in the one of the values right after its own. */
    public interface Accumulator<A> {
        void merge(A later);
    }

    /** The work for one tensor (or one pair of tensors). */
    public interface Job<A extends Accumulator<A>> {
        /** What is read, for progress. */
        String name();

        /** Values to visit. */
        long values();

        /** Bytes read in all, for progress. */
        long bytes();

        A newAccumulator();

        /** Reads values {@code [first, first + count)} and folds them into {@code into}; {@code count <= BLOCK}. */
        void accumulate(A into, long first, int count, Workspace workspace);
    }

    /** One thread's buffers, reused for every block it reads. */
    public static final class Workspace implements AutoCloseable {
        private final Arena arena = Arena.ofConfined();
        /** Staging for the raw bytes of one block (8 bytes per value: the widest dtype). */
        public final MemorySegment bytesA = arena.allocate(8L * BLOCK, 64);
        /** A second staging buffer, for the other side of a comparison. */
        public final MemorySegment bytesB = arena.allocate(8L * BLOCK, 64);
        public final float[] floats = new float[BLOCK];
        public final double[] valuesA = new double[BLOCK];
        public final double[] valuesB = new double[BLOCK];

        @Override
        public void close() {
            arena.close();
        }
    }

    private record Task(int job, long first, long count, long bytes) {
    }

    /**
     * Runs every job on {@code threads} threads and returns their accumulators, in the jobs' order. A failure
     * in any task stops the others and is thrown here as it was thrown (a {@code SafeTensorsException} from a
     * file that changed or closed, an {@code OutOfMemoryError}).
     */
    public static <A extends Accumulator<A>> List<A> run(List<? extends Job<A>> jobs, int threads, ProgressHook progress) {
        List<Task> tasks = new ArrayList<>();
        int[] firstTask = new int[jobs.size() + 1];
        long totalBytes = 0;
        for (int j = 0; j < jobs.size(); j++) {
            firstTask[j] = tasks.size();
            Job<A> job = jobs.get(j);
            long values = job.values();
            long bytes = job.bytes();
            long bytesDone = 0;
            for (long first = 0; first < values; first += TASK) {
                long count = Math.min(TASK, values - first);
                // The task's share of the job's bytes; the last task takes the rest, so the shares sum exactly.
                long share = first + count == values ? bytes - bytesDone : (long) ((double) bytes * count / values);
                bytesDone += share;
                tasks.add(new Task(j, first, count, share));
            }
            totalBytes += bytes;
        }
        firstTask[jobs.size()] = tasks.size();

        Object[] partials = new Object[tasks.size()];
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Progress counter = new Progress(progress, totalBytes);
        Runnable worker = () -> {
            try (Workspace ws = new Workspace()) {
                int i;
                while (failure.get() == null && (i = next.getAndIncrement()) < tasks.size()) {
                    Task t = tasks.get(i);
                    Job<A> job = jobs.get(t.job);
                    A acc = job.newAccumulator();
                    for (long v = t.first; v < t.first + t.count; v += BLOCK) {
                        job.accumulate(acc, v, (int) Math.min(BLOCK, t.first + t.count - v), ws);
                    }
                    partials[i] = acc;
                    counter.add(t.bytes, job.name());
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        };
        int n = Math.max(1, Math.min(threads, tasks.size()));
        if (n == 1) {
            worker.run();
        } else {
            List<Thread> started = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                Thread t = new Thread(worker, "safetensors-scan-" + k);
                t.setDaemon(true);
                t.start();
                started.add(t);
            }
            for (Thread t : started) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    failure.compareAndSet(null, e);
                    Thread.currentThread().interrupt();
                }
            }
        }
        Throwable e = failure.get();
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        if (e != null) {
            throw new IllegalStateException("the scan was interrupted", e);
        }

        List<A> results = new ArrayList<>(jobs.size());
        for (int j = 0; j < jobs.size(); j++) {
            A acc = jobs.get(j).newAccumulator();
            for (int i = firstTask[j]; i < firstTask[j + 1]; i++) {
                @SuppressWarnings("unchecked")
                A part = (A) partials[i];
                acc.merge(part);
            }
            results.add(acc);
        }
        return results;
    }

    /** Bytes done so far, reported to the hook one call at a time. */
    private static final class Progress {
        private final ProgressHook hook;
        private final long total;
        private long done;

        Progress(ProgressHook hook, long total) {
            this.hook = hook;
            this.total = total;
        }

        synchronized void add(long bytes, String item) {
            done += bytes;
            hook.update(done, total, item);
        }
    }
}
