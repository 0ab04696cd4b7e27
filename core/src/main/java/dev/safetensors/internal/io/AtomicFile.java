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
import java.util.HexFormat;

/**
 * Replaces a file atomically: the body writes a temp file in the target's directory, which is flushed to
 * disk ({@code fsync}) and renamed over the target. A crash or an exception at any point leaves either the
 * old file or the new one, never a mixture; on an exception the temp file is removed.
 *
 * <p>A temp file orphaned by a killed process is named {@code .<target>.<random>.safetensors-tmp} and
 * stays locked while its writer lives; the next atomic write in that directory deletes the unlocked ones.
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
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        String where = target.toString();
        if (Files.isDirectory(abs)) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, where, "cannot write: it is a directory");
        }
        removeOrphans(dir);
        Path tmp = null;
        FileChannel ch = null;
        try {
            while (ch == null) {
                tmp = dir.resolve("." + abs.getFileName() + "." + HexFormat.of().toHexDigits(RANDOM.nextLong()) + SUFFIX);
                ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                ch.lock();
                // Another writer's clean-up may have deleted the file between its creation and our lock.
                if (!Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) {
                    ch.close();
                    ch = null;
                }
            }
            body.write(ch);
            ch.force(true);
            copyPermissions(abs, tmp);
            ch.close();
            move(tmp, abs);
            syncDirectory(dir);
        } catch (IOException e) {
            cleanUp(ch, tmp, e);
            throw IoErrors.io(where, "cannot write the file", e);
        } catch (RuntimeException | Error e) {
            cleanUp(ch, tmp, e);
            throw e;
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

    /** Makes the rename itself durable. Not every platform can open a directory; there it is skipped. */
    private static void syncDirectory(Path dir) {
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
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** Deletes temp files whose writer died: those nobody holds a lock on. */
    static void removeOrphans(Path dir) {
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
