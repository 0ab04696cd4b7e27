package dev.safetensors.internal.io;

import dev.safetensors.SafeTensorsException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/**
 * Replaces a file atomically: the body writes a temp file in the target's directory, which is flushed to
 * disk ({@code fsync}) and renamed over the target. A crash or an exception at any point leaves either the
 * old file or the new one, never a mixture; on an exception the temp file is removed.
 *
 * <p>A temp file is named {@code .<target>.<random>.safetensors-tmp} and stays locked while its writer
 * lives. When the JVM shuts down normally (SIGTERM, Ctrl-C) during a write, its temp file is removed
 * ({@link InFlight}); one orphaned by a killed process is removed by the next atomic write in that directory.
 *
 * <pre>{@code
 * AtomicFile.write(Path.of("out.npy"), channel -> channel.write(ByteBuffer.wrap(bytes)));
 * }</pre>
 */
public final class AtomicFile {
    static final String SUFFIX = ".safetensors-tmp";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Writes the new content. */
    @FunctionalInterface
    public interface Body {
        void write(FileChannel channel) throws IOException;
    }

    private AtomicFile() {
    }

    /**
     * Writes {@code target} through {@code body}, atomically. The new file keeps the old file's POSIX
     * permissions, or gets the process's default ones.
     *
     * @throws SafeTensorsException of kind {@code IoError} on any I/O failure (disk full, permission);
     *         exceptions thrown by {@code body} pass through unchanged. Either way the target is untouched.
     */
    public static void write(Path target, Body body) {
        removeOrphans(target.toAbsolutePath().getParent());
        prepare(target, body).commit(List.of());
    }

    /**
     * Writes the new content of {@code target} into a flushed temp file beside it, to be put in place by
     * {@link Pending#commit} (or dropped by {@link Pending#discard}). Orphaned temp files are not looked for:
     * a caller writing many files calls {@link #removeOrphans} once.
     */
    public static Pending prepare(Path target, Body body) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        String where = target.toString();
        if (Files.isDirectory(abs)) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, where, "cannot write: it is a directory");
        }
        Path tmp = null;
        FileChannel ch = null;
        try {
            while (ch == null) {
                tmp = dir.resolve("." + abs.getFileName() + "." + HexFormat.of().toHexDigits(RANDOM.nextLong()) + SUFFIX);
                InFlight.add(tmp);
                ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                ch.lock();
                // Another writer's clean-up may have deleted the file between its creation and our lock.
                if (!Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) {
                    ch.close();
                    ch = null;
                    InFlight.remove(tmp);
                }
            }
            body.write(ch);
            ch.force(true);
            copyPermissions(abs, tmp);
            // The channel, and with it the lock, stays open until the rename: an unlocked temp file is an
            // orphan to any other writer's clean-up in this directory, which would delete it before its commit.
            return new Pending(abs, tmp, ch, where);
        } catch (IOException e) {
            cleanUp(ch, tmp, e);
            throw IoErrors.io(where, "cannot write the file", e);
        } catch (RuntimeException | Error e) {
            cleanUp(ch, tmp, e);
            throw e;
        }
    }

    /** New content flushed to a temp file beside its target, not yet in place. */
    public static final class Pending {
        private final Path target;
        private final Path tmp;
        private final FileChannel locked;   // holds the lock that marks tmp as in flight
        private final String where;

        private Pending(Path target, Path tmp, FileChannel locked, String where) {
            this.target = target;
            this.tmp = tmp;
            this.locked = locked;
            this.where = where;
        }

        /**
         * Renames the temp file over the target and makes the rename durable; {@code alsoCommitted}, files in
         * flight that the new target refers to, are committed with it ({@link InFlight#commit}).
         */
        public void commit(Collection<Path> alsoCommitted) {
            put(alsoCommitted);
            syncDirectory(target.getParent());
        }

        /**
         * Renames the temp file over the target without making the rename durable yet: for writers that put
         * many files in place and then sync the directory once ({@link #syncDirectory}) before their commit.
         */
        public void moveIntoPlace() {
            put(List.of());
        }

        private void put(Collection<Path> alsoCommitted) {
            List<Path> committed = new ArrayList<>(alsoCommitted);
            committed.add(tmp);
            try {
                InFlight.commit(committed, () -> {
                    try {
                        move(tmp, target);
                    } finally {
                        closeQuietly(locked);   // the data is flushed: closing can lose nothing
                    }
                });
            } catch (IOException e) {
                cleanUp(locked, tmp, e);
                throw IoErrors.io(where, "cannot write the file", e);
            } catch (RuntimeException | Error e) {
                cleanUp(locked, tmp, e);
                throw e;
            }
        }

        /** Removes the temp file; the target stays as it was. */
        public void discard() {
            closeQuietly(locked);
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // Left behind unlocked: the next write in the directory removes it.
            }
            InFlight.remove(tmp);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Flushed before: nothing is lost.
        }
    }

    private static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system cannot rename atomically: " + e.getMessage(), e);
        }
    }

    private static void copyPermissions(Path from, Path to) throws IOException {
        PosixFileAttributeView src = Files.getFileAttributeView(from, PosixFileAttributeView.class);
        if (src != null && Files.exists(from)) {
            Files.setPosixFilePermissions(to, src.readAttributes().permissions());
        }
    }

    /** Makes renames and removals durable. Not every platform can open a directory; there it is skipped. */
    public static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // The data is safe either way; only the rename may be replayed after a power loss.
        }
    }

    private static void cleanUp(FileChannel ch, Path tmp, Throwable failure) {
        try {
            if (ch != null) {
                ch.close();
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        try {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
                InFlight.remove(tmp);
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** Deletes temp files whose writer died: those nobody holds a lock on. */
    public static void removeOrphans(Path dir) {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "." + "*" + SUFFIX)) {
            for (Path p : stream) {
                removeIfOrphaned(p);
            }
        } catch (IOException | RuntimeException ignored) {
            // Clean-up is best effort: a failure here must not stop the write.
        }
    }

    private static void removeIfOrphaned(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock != null) {
                Files.deleteIfExists(p);
                lock.release();
            }
        } catch (OverlappingFileLockException | IOException ignored) {
            // Locked by a live writer in this JVM or another process, or already gone.
        }
    }
}
