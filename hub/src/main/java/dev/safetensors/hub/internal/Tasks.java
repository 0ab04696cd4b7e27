package dev.safetensors.hub.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs I/O tasks side by side on virtual threads and waits for all of them; the first failure cancels (interrupts)
 * the rest and is thrown as it was. Stopping the waiting thread stops them all.
 */
public final class Tasks {
    /** One piece of work that may fail with an I/O error. */
    @FunctionalInterface
    public interface IoTask {
        void run() throws IOException;
    }

    private Tasks() {
    }

    public static void all(List<? extends IoTask> tasks) throws IOException {
        if (tasks.size() == 1) {
            tasks.getFirst().run();
            return;
        }
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            // Results in the order they finish, not the order given: a failure must stop a long transfer listed
            // before it, not wait for it.
            CompletionService<Void> finished = new ExecutorCompletionService<>(threads);
            List<Future<Void>> running = new ArrayList<>(tasks.size());
            for (IoTask t : tasks) {
                running.add(finished.submit(() -> {
                    t.run();
                    return null;
                }));
            }
            Throwable failure = null;
            for (int i = 0; i < running.size() && failure == null; i++) {
                try {
                    finished.take().get();
                } catch (InterruptedException e) {
                    running.forEach(x -> x.cancel(true));
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for " + tasks.size() + " transfers");
                } catch (ExecutionException e) {
                    failure = e.getCause();
                    running.forEach(x -> x.cancel(true));
                }
            }
            switch (failure) {
                case null -> { }
                case IOException io -> throw io;
                case RuntimeException re -> throw re;
                case Error err -> throw err;
                default -> throw new IOException(failure);
            }
        }
    }
}
