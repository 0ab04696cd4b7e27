package dev.safetensors.parallel;

import dev.safetensors.io.ByteSource;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/** A source that counts the bytes read through it: the proof that a rank reads only its share. */
final class CountingFileSource implements ByteSource {
    private final ByteSource delegate;
    private final AtomicLong read = new AtomicLong();

    CountingFileSource(ByteSource delegate) {
        this.delegate = delegate;
    }

    long bytesRead() {
        return read.get();
    }

    @Override
    public long size() {
        return delegate.size();
    }

    @Override
    public void read(long position, MemorySegment dst) {
        read.addAndGet(dst.byteSize());
        delegate.read(position, dst);
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
