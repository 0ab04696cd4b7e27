package dev.safetensors.hub.internal.remote;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.hub.internal.http.ParallelRanges;
import dev.safetensors.hub.internal.http.RangeReader;
import dev.safetensors.io.ByteSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URI;
import java.nio.ByteOrder;

/**
 * A file on an HTTP server as a {@link ByteSource}: every read is a range request (large reads split into
 * parallel ones), so core's header parsing, tensors, slices and parallel plans work on it unchanged and fetch
 * only the bytes they touch. The probe's first bytes are kept for the header: when they hold it, opening costs
 * that one request; otherwise one more for the rest of the header (the Python client's
 * {@code parse_safetensors_file_metadata} strategy). Only the header part of them is kept, whatever the
 * probe fetched.
 */
public final class RemoteByteSource implements ByteSource {
    private final RangeReader reader;
    private final ParallelRanges ranges;
    private final URI location;
    private final long size;
    private final String description;
    private final byte[] head;
    private volatile boolean closed;

    /**
     * @param file        the probed file (with its location and first bytes)
     * @param description what to call it in messages (the {@code hf://} URI or the address without its query)
     */
    public RemoteByteSource(RangeReader reader, ParallelRanges ranges, RemoteFile file, String description) {
        this.reader = reader;
        this.ranges = ranges;
        this.location = file.location();
        this.size = file.size();
        this.description = description;
        this.head = headerPart(file.head());
    }

    // The prefix and the header are what core will ask for first; tensor bytes after them are not worth keeping.
    private static byte[] headerPart(byte[] head) {
        if (head.length < 8) {
            return head;
        }
        long n = MemorySegment.ofArray(head).get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        return n >= 0 && n < head.length - 8 ? java.util.Arrays.copyOf(head, (int) (8 + n)) : head;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long position, MemorySegment dst) {
        long length = dst.byteSize();
        if (closed) {
            throw closedError();
        }
        if (position < 0 || position > size - length) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, description, "cannot read " + length
                    + " bytes at offset " + position + ": the file has " + size + " bytes");
        }
        long fromHead = position < head.length ? Math.min(length, head.length - position) : 0;
        if (fromHead > 0) {
            MemorySegment.copy(head, (int) position, dst, ValueLayout.JAVA_BYTE, 0, (int) fromHead);
        }
        if (fromHead == length) {
            return;
        }
        long first = position + fromHead;
        long end = position + length;
        try {
            ranges.split(first, end, (s, e) -> reader.read(location, s, e, size, (at, bytes) -> {
                if (closed) {
                    throw new IOException("the file is closed");
                }
                MemorySegment.copy(MemorySegment.ofBuffer(bytes), 0, dst, at - position, bytes.remaining());
            }));
        } catch (InterruptedIOException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, description, "interrupted while reading "
                    + (end - first) + " bytes at offset " + first, e);
        } catch (IOException e) {
            if (closed) {
                throw closedError();
            }
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, description, "cannot read "
                    + (end - first) + " bytes at offset " + first + ": " + e.getMessage(), e);
        }
    }

    private SafeTensorsException closedError() {
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, description, "the file is closed");
    }

    @Override
    public String description() {
        return description;
    }

    /** Where the bytes are served from. */
    public URI location() {
        return location;
    }

    /** Reads after this fail; reads in flight stop at their next piece. */
    @Override
    public void close() {
        closed = true;
    }
}
