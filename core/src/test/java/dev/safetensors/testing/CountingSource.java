package dev.safetensors.testing;

import dev.safetensors.io.ByteSource;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps a source and counts the bytes and calls read through it, and keeps the ranges read: the proof that a
 * reader reads only what it should.
 */
public final class CountingSource implements ByteSource {
    private final ByteSource delegate;
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private final java.util.List<long[]> ranges = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    private final AtomicLong largestRead = new AtomicLong();

    public CountingSource(ByteSource delegate) {
        this.delegate = delegate;
    }

    public long bytesRead() {
        return bytesRead.get();
    }

    /** Read calls: for a file, the system calls a positional reader makes. */
    public long reads() {
        return reads.get();
    }

    /** Every range read so far, as {position, length}. */
    public java.util.List<long[]> ranges() {
        synchronized (ranges) {
            return java.util.List.copyOf(ranges);
        }
    }

    /** The 4 KiB pages of the file that the given ranges touch. */
    public static java.util.BitSet pages(java.util.List<long[]> ranges) {
        java.util.BitSet pages = new java.util.BitSet();
        for (long[] r : ranges) {
            if (r[1] > 0) {
                pages.set((int) (r[0] / 4096), (int) ((r[0] + r[1] - 1) / 4096) + 1);
            }
        }
        return pages;
    }

    /** The most bytes asked for by one read: the proof that a reader reads in bounded pieces. */
    public long largestRead() {
        return largestRead.get();
    }

    @Override
    public long size() {
        return delegate.size();
    }

    @Override
    public void read(long position, MemorySegment dst) {
        bytesRead.addAndGet(dst.byteSize());
        reads.incrementAndGet();
        ranges.add(new long[] {position, dst.byteSize()});
        largestRead.accumulateAndGet(dst.byteSize(), Math::max);
        delegate.read(position, dst);
    }

    @Override
    public Optional<MemorySegment> mapping() {
        return Optional.empty();
    }

    @Override
    public String description() {
        return delegate.description();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
