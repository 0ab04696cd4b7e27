package dev.safetensors.hub.internal.remote;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.hub.internal.Tasks;
import dev.safetensors.hub.internal.http.ParallelRanges;
import dev.safetensors.hub.internal.http.RangeReader;
import dev.safetensors.io.ByteSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A file on an HTTP server as a {@link ByteSource}: every read is a range request (large reads split into
 * parallel ones), so core's header parsing, tensors, slices and parallel plans work on it unchanged and fetch
 * only the bytes they touch. The probe's first bytes are kept for the header: when they hold it, opening costs
 * that one request; otherwise one more for the rest of the header (the Python client's
 * {@code parse_safetensors_file_metadata} strategy). Only the header part of them is kept, whatever the
 * probe fetched.
 */
public final class RemoteByteSource implements ByteSource {
    /** Runs closer than this share a request: reading the gap costs less than another round trip. */
    static final long MAX_GAP = 1 << 20;
    /** Never started: a segment it may access is not confined to the caller. */
    private static final Thread SOME_OTHER_THREAD = Thread.ofVirtual().unstarted(() -> { });

    private final RangeReader reader;
    private final ParallelRanges ranges;
    private final ServedFrom servedFrom;
    private final long size;
    private final boolean ranged;
    private final String description;
    private final byte[] head;
    private volatile boolean closed;

    private RemoteByteSource(RangeReader reader, ParallelRanges ranges, RemoteFile file, byte[] head,
            String description) {
        this.reader = reader;
        this.ranges = ranges;
        this.servedFrom = new ServedFrom(reader.transport(), file);
        this.size = file.size();
        this.ranged = file.ranged();
        this.description = description;
        this.head = head;
    }

    /**
     * The probed file as a source whose first bytes hold the whole safetensors header: when the probe's bytes
     * give the header length but not all of the header, the rest is fetched now (the second and last request
     * of opening), so that core parses the header from memory. Tensor bytes the probe fetched after the header
     * are dropped.
     *
     * @param file          the probed file (its location and first bytes)
     * @param description   what to call it in messages (the {@code hf://} URI or the address without its query)
     * @param maxHeaderSize a longer header is not fetched (core refuses it as HeaderTooLarge)
     */
    public static RemoteByteSource open(RangeReader reader, ParallelRanges ranges, RemoteFile file, String description,
            long maxHeaderSize) {
        byte[] head = file.head();
        long n = head.length >= 8 ? headerLength(head) : -1;
        if (n >= 0 && n <= maxHeaderSize && n <= file.size() - 8) {
            byte[] full = java.util.Arrays.copyOf(head, (int) (8 + n));
            if (8 + n > head.length) {
                int have = head.length;
                try {
                    ranges.one(have, 8 + n, (s, e) -> reader.read(file.location(), s, e, file.size(),
                            (at, bytes) -> bytes.get(full, (int) at, bytes.remaining())));
                } catch (IOException e) {
                    throw new SafeTensorsException(SafeTensorsException.Kind.IoError, description, "cannot read the "
                            + n + "-byte header: " + e.getMessage(), e);
                }
            }
            head = full;
        }
        return new RemoteByteSource(reader, ranges, file, head, description);
    }

    private static long headerLength(byte[] head) {
        return MemorySegment.ofArray(head).get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long position, MemorySegment dst) {
        readRuns(new long[] {position}, new long[] {dst.byteSize()}, dst);
    }

    /**
     * Merges the runs into few range requests: sorted by position, runs less than {@link #MAX_GAP} apart share one
     * request of at most the chunk size (the gap bytes are read and dropped, which costs less than a round
     * trip), longer ones are split, and the requests run in parallel. Each arriving byte goes straight to every
     * run that holds it; into a segment confined to the calling thread, through a shared staging segment.
     */
    @Override
    public void readRuns(long[] positions, long[] lengths, MemorySegment dst) {
        if (closed) {
            throw closedError();
        }
        int n = positions.length;
        long[] dstAt = new long[n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            if (lengths[i] < 0 || positions[i] < 0 || positions[i] > size - lengths[i]) {
                throw new SafeTensorsException(SafeTensorsException.Kind.IoError, description, "cannot read "
                        + lengths[i] + " bytes at offset " + positions[i] + ": the file has " + size + " bytes");
            }
            dstAt[i] = total;
            total += lengths[i];
        }
        if (total > dst.byteSize()) {
            throw new IllegalArgumentException("the runs hold " + total + " bytes, the destination " + dst.byteSize());
        }
        List<Span> spans = spans(positions, lengths, dstAt, dst);
        // A server that ignores Range sends the file from its start to every request: one stream, in this thread.
        boolean inline = !ranged
                || spans.size() == 1 && spans.getFirst().end - spans.getFirst().start <= ranges.chunkSize();
        if (!inline && !dst.isAccessibleBy(SOME_OTHER_THREAD)) {
            staged(positions, lengths, dst, total);
            return;
        }
        try {
            fetch(spans, dst);
        } catch (IOException e) {
            if (closed) {
                throw closedError();
            }
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, description, "cannot read "
                    + (n == 1 ? total + " bytes at offset " + positions[0] : n + " byte runs (" + total + " bytes in "
                    + spans.size() + " requests)") + ": " + e.getMessage(), e);
        }
    }

    /** The runs in groups of at most the staging size, each fetched in parallel into a shared segment and copied. */
    private void staged(long[] positions, long[] lengths, MemorySegment dst, long total) {
        long window = Math.min(total, ranges.chunkSize() * ranges.connections());
        try (Arena arena = Arena.ofShared()) {
            MemorySegment staging = arena.allocate(window);
            List<long[]> group = new ArrayList<>();
            long[] filled = {0, 0};   // bytes in the group, bytes of dst done
            Runnable flush = () -> {
                if (group.isEmpty()) {
                    return;
                }
                readRuns(group.stream().mapToLong(r -> r[0]).toArray(), group.stream().mapToLong(r -> r[1]).toArray(),
                        staging.asSlice(0, filled[0]));
                MemorySegment.copy(staging, 0, dst, filled[1], filled[0]);
                filled[1] += filled[0];
                filled[0] = 0;
                group.clear();
            };
            for (int i = 0; i < positions.length; i++) {
                for (long done = 0; done < lengths[i]; ) {
                    long piece = Math.min(lengths[i] - done, window - filled[0]);
                    group.add(new long[] {positions[i] + done, piece});
                    filled[0] += piece;
                    done += piece;
                    if (filled[0] == window) {
                        flush.run();
                    }
                }
            }
            flush.run();
        }
    }

    /** Copies what the probe's bytes hold, and groups the rest of the runs into requests. */
    private List<Span> spans(long[] positions, long[] lengths, long[] dstAt, MemorySegment dst) {
        int n = positions.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Long.compare(positions[a], positions[b]));
        List<Span> spans = new ArrayList<>();
        Span current = null;
        for (int k = 0; k < n; k++) {
            int i = order[k];
            long start = positions[i];
            long end = start + lengths[i];
            if (start < head.length && lengths[i] > 0) {
                long fromHead = Math.min(end, head.length) - start;
                MemorySegment.copy(head, (int) start, dst, ValueLayout.JAVA_BYTE, dstAt[i], (int) fromHead);
                start += fromHead;
            }
            if (start >= end) {
                continue;
            }
            long skip = start - positions[i];
            if (current == null || ranged && (start > current.end + MAX_GAP
                    || Math.max(end, current.end) - current.start > ranges.chunkSize())) {
                current = new Span(start, end);
                spans.add(current);
            }
            current.end = Math.max(current.end, end);
            current.runs.add(new long[] {start, end, dstAt[i] + skip});
        }
        return spans;
    }

    /** Fetches the spans side by side (a long one in parallel chunks), scattering bytes into their runs. */
    private void fetch(List<Span> spans, MemorySegment dst) throws IOException {
        List<Tasks.IoTask> work = new ArrayList<>(spans.size());
        for (Span span : spans) {
            ParallelRanges.Task read = (first, end) -> {
                int[] from = {0};
                servedFrom.read(reader, first, end, (at, bytes) -> {
                    if (closed) {
                        throw new IOException("the file is closed");
                    }
                    scatter(span.runs, from, at, bytes, dst);
                });
            };
            work.add(() -> {
                if (ranged) {
                    ranges.split(span.start, span.end, read);
                } else {
                    ranges.one(span.start, span.end, read);
                }
            });
        }
        Tasks.all(work);
    }

    /** Copies bytes {@code [at, at + bytes)} of the file into every run ({start, end, dst offset}) that holds some. */
    private static void scatter(List<long[]> runs, int[] from, long at, ByteBuffer bytes, MemorySegment dst) {
        long end = at + bytes.remaining();
        MemorySegment src = MemorySegment.ofBuffer(bytes);
        for (int k = from[0]; k < runs.size(); k++) {
            long[] r = runs.get(k);
            if (r[0] >= end) {
                break;
            }
            long s = Math.max(r[0], at);
            long e = Math.min(r[1], end);
            if (s < e) {
                MemorySegment.copy(src, s - at, dst, r[2] + (s - r[0]), e - s);
            }
        }
        while (from[0] < runs.size() && runs.get(from[0])[1] <= end) {
            from[0]++;
        }
    }

    /** One request's bytes and the runs (indexes, by position) it serves. */
    private static final class Span {
        final long start;
        long end;
        final List<long[]> runs = new ArrayList<>();   // {start, end, offset in the destination}

        Span(long start, long end) {
            this.start = start;
            this.end = end;
        }
    }

    private SafeTensorsException closedError() {
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, description, "the file is closed");
    }

    @Override
    public String description() {
        return description;
    }

    /** Reads after this fail; reads in flight stop at their next piece. */
    @Override
    public void close() {
        closed = true;
    }
}
