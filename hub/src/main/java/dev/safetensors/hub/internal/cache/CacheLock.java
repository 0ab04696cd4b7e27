package dev.safetensors.hub.internal.cache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The lock a download holds on {@code .locks/REPO/ETAG.lock} while it writes a blob. The Python client takes the
 * same file with {@code filelock}, which on Linux and macOS is {@code flock(2)} on the file opened
 * {@code O_RDWR | O_CREAT | O_TRUNC}, mode {@code 0664} ({@code utils/_fixes.py}: {@code WeakFileLock};
 * filelock's {@code UnixFileLock}); this lock calls the same {@code flock(2)} through {@code java.lang.foreign},
 * so a Java and a Python download of one blob wait for each other. Without native access for this module
 * ({@code --enable-native-access=dev.safetensors.hub}) or on other systems it falls back to
 * {@link FileChannel#lock()} ({@code fcntl}), which excludes other Java processes only (a process with native access
 * takes both kinds, so it excludes those too); correctness never depends on the lock
 * (every writer renames a finished, verified temp file into place), it only saves a second download.
 * Threads of one process are serialized by an in-process lock first, since neither kind of file lock orders them.
 */
public final class CacheLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();
    private static final Flock FLOCK = Flock.load();
    private static final long POLL_MS = 50;   // filelock's default poll interval

    private final ReentrantLock local;
    private final Runnable release;
    private boolean released;   // used by the thread that holds the lock only

    private CacheLock(ReentrantLock local, Runnable release) {
        this.local = local;
        this.release = release;
    }

    /** Waits for the lock on {@code file} (created with its folders when missing); interruptible. */
    public static CacheLock acquire(Path file) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        ReentrantLock local = IN_PROCESS.computeIfAbsent(key, k -> new ReentrantLock());
        try {
            local.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the lock " + file);
        }
        try {
            Files.createDirectories(key.getParent());
            // Both kinds where flock is available: flock excludes the Python client, and the channel lock (fcntl)
            // excludes Java processes without native access, which can take only that one. Always flock first.
            Runnable flocked = FLOCK != null ? FLOCK.lock(key) : null;
            Runnable channel;
            try {
                channel = channelLock(key);
            } catch (IOException | RuntimeException | Error e) {
                if (flocked != null) {
                    flocked.run();
                }
                throw e;
            }
            Runnable release = flocked == null ? channel : () -> {
                try {
                    channel.run();
                } finally {
                    flocked.run();
                }
            };
            return new CacheLock(local, release);
        } catch (IOException | RuntimeException | Error e) {
            local.unlock();
            throw e;
        }
    }

    /** Whether locks interoperate with the Python client's ({@code flock}). */
    public static boolean interoperable() {
        return FLOCK != null;
    }

    private static Runnable channelLock(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = ch.lock();
            return () -> {
                try (ch) {
                    lock.release();
                } catch (IOException ignored) {
                    // closing the channel releases the lock anyway
                }
            };
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Releases the lock; a second call does nothing. */
    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            release.run();
        } finally {
            local.unlock();
        }
    }

    /** {@code open}, {@code flock} and {@code close} from the C library, on Linux and macOS. */
    private record Flock(MethodHandle open, MethodHandle flock, MethodHandle close, StructLayout state,
            VarHandle errno, int flags, int wouldBlock) {
        private static final int LOCK_EX = 2;
        private static final int LOCK_NB = 4;
        private static final int LOCK_UN = 8;

        static Flock load() {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            boolean linux = os.contains("linux");
            boolean mac = os.contains("mac");
            if (!(linux || mac) || !CacheLock.class.getModule().isNativeAccessEnabled()) {
                return null;
            }
            try {
                Linker linker = Linker.nativeLinker();
                Linker.Option errnoOption = Linker.Option.captureCallState("errno");
                StructLayout state = Linker.Option.captureStateLayout();
                var lookup = linker.defaultLookup();
                MethodHandle open = linker.downcallHandle(lookup.find("open").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT), errnoOption, Linker.Option.firstVariadicArg(2));
                MethodHandle flock = linker.downcallHandle(lookup.find("flock").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                        errnoOption);
                MethodHandle close = linker.downcallHandle(lookup.find("close").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                VarHandle errno = state.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
                // O_RDWR | O_CREAT | O_TRUNC, and EWOULDBLOCK, of each system.
                int flags = linux ? 0x2 | 0x40 | 0x200 : 0x2 | 0x200 | 0x400;
                return new Flock(open, flock, close, state, errno, flags, linux ? 11 : 35);
            } catch (RuntimeException | Error e) {
                return null;   // no usable C library: fall back to channel locks
            }
        }

        /** Takes the lock, polling while another holder has it; null when this file system refuses flock. */
        Runnable lock(Path file) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment name = arena.allocateFrom(file.toString());
                MemorySegment st = arena.allocate(state);
                int fd = (int) open.invokeExact(st, name, flags, 0664);
                if (fd < 0) {
                    throw new IOException("cannot open the lock file " + file + " (errno " + (int) errno.get(st, 0L) + ")");
                }
                while (true) {
                    if ((int) flock.invokeExact(st, fd, LOCK_EX | LOCK_NB) == 0) {
                        return () -> unlock(fd);
                    }
                    if ((int) errno.get(st, 0L) != wouldBlock) {
                        int ignored = (int) close.invokeExact(fd);
                        return null;   // e.g. a file system without flock: the channel lock still excludes Java
                    }
                    try {
                        Thread.sleep(POLL_MS);
                    } catch (InterruptedException e) {
                        int ignored = (int) close.invokeExact(fd);
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for the lock " + file);
                    }
                }
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IOException("cannot lock " + file, t);
            }
        }

        private void unlock(int fd) {
            try {
                try (Arena arena = Arena.ofConfined()) {
                    int ignored = (int) flock.invokeExact(arena.allocate(state), fd, LOCK_UN);
                }
                int ignored = (int) close.invokeExact(fd);
            } catch (Throwable ignored) {
                // closing the descriptor releases the lock; nothing else can be done
            }
        }
    }
}
