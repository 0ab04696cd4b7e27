package dev.safetensors.hub.internal.download;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Hashes a file while it is being downloaded out of order: ranges are reported as they land, and a thread of its
 * own hashes the front of the file as far as it is complete (reading it back from the page cache), so that the
 * content check costs almost nothing after the last byte arrives instead of a second pass over the whole file.
 */
final class RunningHash implements AutoCloseable {
    private static final int BUFFER = 1 << 20;

    private final ContentCheck check;
    private final MessageDigest digest;
    private final Path file;
    private final long size;
    private final List<long[]> landed = new ArrayList<>();   // sorted, merged
    private final Thread worker;
    private long hashed;
    private IOException failure;
    private boolean stopped;

    RunningHash(ContentCheck check, Path file, long size) {
        this.check = check;
        this.digest = check.start(size);
        this.file = file;
        this.size = size;
        this.worker = Thread.ofPlatform().daemon().name("safetensors-hub-hash").start(this::run);
    }

    /** Bytes {@code [start, end)} are in the file. */
    synchronized void landed(long start, long end) {
        landed.add(new long[] {start, end});
        landed.sort((a, b) -> Long.compare(a[0], b[0]));
        List<long[]> merged = new ArrayList<>();
        for (long[] r : landed) {
            if (!merged.isEmpty() && r[0] <= merged.getLast()[1]) {
                merged.getLast()[1] = Math.max(merged.getLast()[1], r[1]);
            } else {
                merged.add(r);
            }
        }
        landed.clear();
        landed.addAll(merged);
        notifyAll();
    }

    /** Waits until the whole file is hashed and fails when it is not what the ETag promised. */
    void verify(String description) throws IOException {
        try {
            synchronized (this) {
                while (hashed < size && failure == null && !stopped) {
                    wait();
                }
            }
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while verifying " + description);
        }
        if (failure != null) {
            throw failure;
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        check.compare(actual, description);
    }

    private void run() {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
            while (true) {
                long upTo;
                synchronized (this) {
                    while (!stopped && hashed < size && (landed.isEmpty() || landed.getFirst()[0] > hashed
                            || landed.getFirst()[1] <= hashed)) {
                        wait();
                    }
                    if (stopped || hashed >= size) {
                        notifyAll();
                        return;
                    }
                    upTo = landed.getFirst()[1];
                }
                long at = hashed;
                while (at < upTo) {
                    buf.clear().limit((int) Math.min(BUFFER, upTo - at));
                    int n = ch.read(buf, at);
                    if (n < 0) {
                        throw new IOException("the file ended at byte " + at + " while hashing");
                    }
                    buf.flip();
                    digest.update(buf);
                    at += n;
                }
                synchronized (this) {
                    hashed = at;
                    notifyAll();
                }
            }
        } catch (IOException e) {
            synchronized (this) {
                failure = e;
                notifyAll();
            }
        } catch (InterruptedException e) {
            synchronized (this) {
                stopped = true;
                notifyAll();
            }
        }
    }

    /** Stops hashing (the download failed). */
    @Override
    public void close() {
        synchronized (this) {
            stopped = stopped || hashed < size;
            notifyAll();
        }
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
