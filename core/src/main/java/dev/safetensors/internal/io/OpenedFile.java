package dev.safetensors.internal.io;

import dev.safetensors.SafeTensorsException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file opened for reading by a shared handle: a {@link FileChannel} that survives interrupts, and what the
 * file looked like when opened, to tell when someone changed it underneath.
 *
 * <p><b>Interrupts.</b> A {@code FileChannel} closes itself when a thread blocked in it (or entering it) is
 * interrupted, which would fail every later read of every thread. Here a thread whose interrupt status is set
 * never enters the channel: its read fails at once with an {@code IoError} saying "interrupted" (the status
 * stays set). An interrupt that lands during a read closes the channel as before; it is then reopened from the
 * path, after checking that the path still names the same file, and only the interrupted read fails. Other
 * threads whose reads the close cut short retry on the new channel.
 *
 * <p><b>Changes underneath.</b> {@link #stamp()} is the file as opened (identity, size, modification time:
 * the same before and after the descriptor was opened, so it is the descriptor's file); {@link
 * #checkUnchanged()} compares the file at the path with it ({@link FileStamp#checkUnchanged}). A file
 * replaced by rename (what atomic writers do) is not a change: the handle still reads the file it opened,
 * through its descriptor or mapping.
 */
public final class OpenedFile implements AutoCloseable {
    /** A ByteBuffer view is limited to 2 GiB; read larger ranges in pieces. */
    private static final long MAX_PIECE = 1L << 30;
    /**
     * Into heap memory the JDK reads through a temporary direct buffer as large as the request; pieces of
     * 16 MiB keep that buffer small and the copy in cache.
     */
    private static final long HEAP_PIECE = 16L << 20;

    private final Path path;
    private final String description;
    private final FileStamp stamp;
    private volatile FileChannel channel;
    private volatile boolean closed;

    private OpenedFile(Path path, FileChannel channel, FileStamp stamp) {
        this.path = path;
        this.description = path.toString();
        this.channel = channel;
        this.stamp = stamp;
    }

    /**
     * Opens {@code path} for reading. The file's stamp is read before and after the descriptor is opened: when
     * they agree (and with the descriptor's size), the stamp is the descriptor's file.
     */
    public static OpenedFile open(Path path) {
        String description = path.toString();
        if (Thread.currentThread().isInterrupted()) {
            throw interrupted(description, null);
        }
        FileStamp before;
        try {
            before = FileStamp.of(path, description);
        } catch (SafeTensorsException e) {
            before = null;    // opening says why (no such file, no permission) better than the attributes
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw IoErrors.io(description, "cannot open the file", e);
        }
        try {
            FileStamp after = FileStamp.of(path, description);
            long size = ch.size();
            if (!after.equals(before) || after.size() != size) {
                throw IoErrors.changed(description, "it was replaced or changed while it was being opened: " + size
                        + " bytes open, " + after.size() + " bytes at the path", null);
            }
            return new OpenedFile(path, ch, after);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            if (e instanceof ClosedByInterruptException c) {
                throw interrupted(description, c);
            }
            throw e instanceof IOException io ? IoErrors.io(description, "cannot read the file's size", io)
                    : (RuntimeException) e;
        }
    }

    /** The file as opened. */
    public FileStamp stamp() {
        return stamp;
    }

    /** The path opened. */
    public Path path() {
        return path;
    }

    public String description() {
        return description;
    }

    /** The size when opened. */
    public long size() {
        return stamp.size();
    }

    /** Fills {@code dst} with the bytes at {@code position}; the range was checked against {@link #size()}. */
    public void read(long position, MemorySegment dst) {
        long length = dst.byteSize();
        long piece = dst.isNative() ? MAX_PIECE : HEAP_PIECE;
        for (long done = 0; done < length; ) {
            long n = Math.min(piece, length - done);
            ByteBuffer bb = dst.asSlice(done, n).asByteBuffer();
            while (bb.hasRemaining()) {
                long at = position + done + bb.position();
                if (readOnce(bb, at) < 0) {
                    throw IoErrors.changed(description, "it ends at byte " + at + ", it had " + size() + " bytes when opened",
                            null);
                }
            }
            done += n;
        }
    }

    private int readOnce(ByteBuffer bb, long position) {
        while (true) {
            FileChannel ch = usableChannel();
            try {
                return ch.read(bb, position);
            } catch (ClosedByInterruptException e) {
                throw interrupted(ch, e);
            } catch (ClosedChannelException e) {
                reopen(ch);    // closed by another thread's interrupt (or by close(), then this throws)
            } catch (IOException e) {
                throw IoErrors.io(description, "cannot read " + bb.remaining() + " bytes at offset " + position, e);
            }
        }
    }

    /**
     * Maps {@code [0, size)} read-only into {@code arena}, after checking that the file has not shrunk.
     */
    public MemorySegment map(Arena arena) {
        while (true) {
            FileChannel ch = usableChannel();
            try {
                long now = ch.size();
                if (now < size()) {
                    throw IoErrors.changed(description, "it has " + now + " bytes, it had " + size() + " when opened",
                            null);
                }
                return ch.map(FileChannel.MapMode.READ_ONLY, 0, size(), arena).asReadOnly();
            } catch (ClosedByInterruptException e) {
                throw interrupted(ch, e);
            } catch (ClosedChannelException e) {
                reopen(ch);
            } catch (IOException e) {
                throw IoErrors.io(description, "cannot map the file (where the file system cannot mmap, "
                        + "open it with ReadStrategy.PREAD)", e);
            } catch (OutOfMemoryError e) {
                // FileChannel.map reports a refused mmap(2) as OutOfMemoryError: the address space, not the heap.
                throw new SafeTensorsException(SafeTensorsException.Kind.IoError, description, "cannot map the file: "
                        + "the operating system refused the mapping (check `ulimit -v` and vm.max_map_count), or "
                        + "open it with ReadStrategy.PREAD", e);
            }
        }
    }

    /** See {@link FileStamp#checkUnchanged}. */
    public void checkUnchanged() {
        stamp.checkUnchanged(path, description);
    }

    /** The current channel; an interrupted thread never enters it, as that would close it. */
    private FileChannel usableChannel() {
        if (closed) {
            throw IoErrors.closed(description);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw interrupted(description, null);
        }
        return channel;
    }

    /** Replaces {@code broken}, closed by an interrupt, with a new channel on the same file. */
    private synchronized void reopen(FileChannel broken) {
        if (closed) {
            throw IoErrors.closed(description);
        }
        if (channel != broken) {
            return;    // another thread already did
        }
        FileChannel fresh;
        try {
            fresh = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw IoErrors.changed(description, "it was removed, and an interrupted read closed the handle's "
                    + "descriptor: nothing is left to read", e);
        } catch (IOException e) {
            throw IoErrors.io(description, "cannot reopen the file after an interrupted read closed it", e);
        }
        try {
            // No channel call here: the calling thread may be the interrupted one, and would close `fresh`.
            stamp.checkSame(FileStamp.of(path, description), description,
                    "an interrupted read closed the handle's descriptor of the original");
        } catch (RuntimeException e) {
            closeQuietly(fresh);
            throw e;
        }
        channel = fresh;
    }

    /**
     * This thread's interrupt closed {@code broken}: reopen it for the others, and fail only this read. A
     * reopening that fails is reported to the next reader, which tries again.
     */
    private SafeTensorsException interrupted(FileChannel broken, ClosedByInterruptException e) {
        try {
            reopen(broken);
        } catch (SafeTensorsException next) {
            e.addSuppressed(next);
        }
        return interrupted(description, e);
    }

    private static SafeTensorsException interrupted(String source, Throwable cause) {
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, source, "the read was interrupted "
                + "(the thread's interrupt status is set); the file stays open for other reads", cause);
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        closed = true;
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Read-only: nothing to flush, nothing the caller could do.
        }
    }
}
