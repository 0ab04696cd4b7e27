package dev.safetensors;

import dev.safetensors.io.ByteSource;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** Wraps a source and counts the bytes read through it: the proof that a reader reads only what it should. */
public final class CountingSource implements ByteSource {
    private final ByteSource delegate;
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong largestRead = new AtomicLong();

    public CountingSource(ByteSource delegate) {
        this.delegate = delegate;
    }

    public long bytesRead() {
        return bytesRead.get();
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
