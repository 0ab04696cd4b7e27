package dev.safetensors.internal.io;

import dev.safetensors.SafeTensorsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Files being written that nothing refers to yet (temp files, the new shards of a set before its index is
 * committed), removed when the JVM shuts down normally: SIGTERM, Ctrl-C, {@code System.exit} while a write
 * runs. A write killed with SIGKILL runs no hook; the next write in the directory removes what it left.
 *
 * <p>A commit (the rename that makes such files part of a checkpoint) runs under the same lock as the hook
 * and is refused once shutdown has begun, so the hook never deletes a file a committed index names.
 *
 * <pre>{@code
 * InFlight.add(tmp);
 * ... write tmp ...
 * InFlight.commit(List.of(tmp), () -> Files.move(tmp, target, ATOMIC_MOVE));
 * }</pre>
 */
public final class InFlight {
    private static final Set<Path> FILES = new LinkedHashSet<>();   // guarded by InFlight.class
    private static boolean hooked;
    private static boolean shuttingDown;

    /** A step that makes in-flight files part of what a directory holds. */
    @FunctionalInterface
    public interface Commit {
        void run() throws IOException;
    }

    private InFlight() {
    }

    /**
     * Registers {@code file} (which may not exist yet) for removal at shutdown.
     *
     * @throws SafeTensorsException {@code IoError} when the JVM is already shutting down
     */
    public static synchronized void add(Path file) {
        if (!hooked) {
            try {
                Runtime.getRuntime().addShutdownHook(new Thread(InFlight::shutdown, "safetensors-remove-unfinished"));
            } catch (IllegalStateException e) {
                shuttingDown = true;
            }
            hooked = true;
        }
        if (shuttingDown) {
            throw refused(file);
        }
        FILES.add(file.toAbsolutePath());
    }

    /** {@code file} is no longer in flight (committed, or removed by its writer). */
    public static synchronized void remove(Path file) {
        FILES.remove(file.toAbsolutePath());
    }

    /**
     * Runs {@code commit} and takes {@code files} out of flight, unless the JVM is shutting down.
     *
     * @throws SafeTensorsException {@code IoError} once shutdown has begun (nothing is committed then)
     */
    public static synchronized void commit(Collection<Path> files, Commit commit) throws IOException {
        if (shuttingDown) {
            throw refused(files.isEmpty() ? Path.of("") : files.iterator().next());
        }
        commit.run();
        files.forEach(f -> FILES.remove(f.toAbsolutePath()));
    }

    private static SafeTensorsException refused(Path file) {
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, file.toString(),
                "the JVM is shutting down: nothing more is written or committed");
    }

    /** The hook: no commit after this, and every file still in flight is removed. */
    static synchronized void shutdown() {
        shuttingDown = true;
        for (Path p : FILES) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException | RuntimeException ignored) {
                // Best effort: the next write in that directory removes what is left.
            }
        }
        FILES.clear();
    }
}
