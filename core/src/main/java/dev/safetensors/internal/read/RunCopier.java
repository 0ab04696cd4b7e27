package dev.safetensors.internal.read;

import dev.safetensors.io.ByteSource;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The one traversal behind every copy-out: the runs of a selection, in result order, from a mapping or a byte
 * source, to a {@link Sink}. Checks around it (closed handle, file changed underneath) are the caller's.
 *
 * <p>From a mapping, runs are copied straight into the sink's memory or handed to it as views, in blocks of
 * whole elements. From a byte source, every read is a system call (or a request, for a remote source), so
 * small runs are gathered: consecutive runs that lie within a page of the range spanned so far are read with
 * one read of that range, then copied out of it in result order. A reversed or strided slice costs a few
 * large reads, not one per element. Every gap such a read spans is shorter than a page, so no gap holds a
 * whole page: the read touches exactly the pages that hold selected bytes, the same pages the kernel would
 * read for the runs one by one. Runs further apart (the column blocks of a tensor-parallel rank, rows
 * apart) are read on their own, so a rank never reads pages that hold only its neighbours' weights. Large
 * runs are read on their own, into the sink's memory when it lends some, else block by block through one
 * buffer.
 *
 * <p>A source that implements {@link ByteSource#readRuns} itself (a remote one, which merges runs into range
 * requests) is handed its runs in batches instead, up to {@link #BATCH} runs and a large block of bytes at a
 * time: it knows best which of them to merge and what a gap costs. Other sources, local files among them, get
 * the gathered reads above.
 */
public final class RunCopier {
    /** Block size: a multiple of 24, so blocks hold whole elements of every dtype (F6 comes in 3-byte groups). */
    static final long BLOCK = 3 << 18;
    /** Runs at least this long are read on their own. */
    private static final long SMALL_RUN = 64 << 10;
    /** The smallest page size of the platforms we run on: a gap shorter than this holds no whole page. */
    private static final long PAGE = 4096;
    private static final int MAX_GROUP = 1 << 16;
    /** Runs handed to a remote source at once. */
    static final int BATCH = 4096;
    /** The block of a source that merges runs itself (a remote one: each read a round trip, split into parallel requests). */
    static final long REMOTE_BLOCK = 3L << 24;

    /** Whether a source class implements readRuns itself, rather than inheriting the run-by-run default. */
    private static final ClassValue<Boolean> MERGES_RUNS = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("readRuns", long[].class, long[].class, MemorySegment.class)
                        .getDeclaringClass() != ByteSource.class;
            } catch (NoSuchMethodException e) {
                return false;
            }
        }
    };

    private RunCopier() {
    }

    /** Copies from {@code data}, in which the tensor starts at {@code begin}. */
    public static void fromMapping(MemorySegment data, long begin, Runs runs, Sink sink) {
        long[] at = {0};
        runs.forEachRun((offset, length) -> {
            long position = begin + offset;
            MemorySegment direct = sink.direct(at[0], length);
            if (direct != null) {
                MemorySegment.copy(data, position, direct, 0, length);
            } else {
                for (long done = 0; done < length; done += BLOCK) {
                    sink.accept(data.asSlice(position + done, Math.min(BLOCK, length - done)), at[0] + done);
                }
            }
            at[0] += length;
        });
        sink.finish();
    }

    /** Copies from {@code source}, in which the tensor starts at {@code begin}. */
    public static void fromSource(ByteSource source, long begin, Runs runs, Sink sink) {
        try (Gatherer g = new Gatherer(source, begin, sink, runs.byteSize())) {
            runs.forEachRun(g::add);
            g.flush();
        }
        sink.finish();
    }

    /** Groups consecutive small runs with gaps shorter than a page into one read. */
    private static final class Gatherer implements AutoCloseable {
        private final ByteSource source;
        private final long begin;
        private final Sink sink;
        private final boolean gathers;     // reads spanning page-short gaps; else batches to the source's readRuns
        private final Arena arena = Arena.ofConfined();
        private final long block;          // the largest read through a staging buffer
        private final long staging;
        private MemorySegment span;        // the range a gathered read spans, or a block of a large run
        private MemorySegment gathered;    // a group's runs, in result order, when the sink lends no memory
        private long[] positions = new long[64];
        private long[] lengths = new long[64];
        private int count;
        private long lo;
        private long hi;
        private long bytes;
        private long groupStart;           // result offset of the group's first run
        private long at;                   // result offset of the next run

        Gatherer(ByteSource source, long begin, Sink sink, long resultBytes) {
            this.source = source;
            this.begin = begin;
            this.sink = sink;
            this.gathers = !MERGES_RUNS.get(source.getClass());
            this.block = gathers ? BLOCK : REMOTE_BLOCK;
            this.staging = Math.max(1, Math.min(block, resultBytes));
        }

        void add(long offset, long length) {
            long position = begin + offset;
            if (length >= (gathers ? SMALL_RUN : block)) {
                flush();
                readAlone(position, length, at);
                at += length;
                return;
            }
            if (count > 0 && (gathers ? !fitsSpan(position, length) : count == BATCH || bytes + length > block)) {
                flush();
            }
            if (count == 0) {
                lo = position;
                hi = position + length;
                bytes = 0;
                groupStart = at;
            } else {
                lo = Math.min(lo, position);
                hi = Math.max(hi, position + length);
            }
            if (count == positions.length) {
                positions = Arrays.copyOf(positions, 2 * count);
                lengths = Arrays.copyOf(lengths, 2 * count);
            }
            positions[count] = position;
            lengths[count] = length;
            count++;
            bytes += length;
            at += length;
        }

        /** Whether a run joins the group's read: a gap shorter than a page, the span within a block. */
        private boolean fitsSpan(long position, long length) {
            long gap = position >= hi ? position - hi : position + length <= lo ? lo - (position + length) : 0;
            long spanned = Math.max(hi, position + length) - Math.min(lo, position);
            return count < MAX_GROUP && spanned <= BLOCK && gap < PAGE;
        }

        void flush() {
            if (count == 0) {
                return;
            }
            if (count == 1) {
                readAlone(positions[0], lengths[0], groupStart);
            } else if (!gathers) {
                MemorySegment target = sink.direct(groupStart, bytes);
                boolean lent = target != null;
                if (!lent) {
                    target = buffer(false, bytes);
                }
                source.readRuns(Arrays.copyOf(positions, count), Arrays.copyOf(lengths, count), target);
                if (!lent) {
                    sink.accept(target, groupStart);
                }
            } else {
                MemorySegment spanned = buffer(true, hi - lo);
                source.read(lo, spanned);
                MemorySegment target = sink.direct(groupStart, bytes);
                boolean lent = target != null;
                if (!lent) {
                    target = buffer(false, bytes);
                }
                long to = 0;
                for (int i = 0; i < count; i++) {
                    MemorySegment.copy(spanned, positions[i] - lo, target, to, lengths[i]);
                    to += lengths[i];
                }
                if (!lent) {
                    sink.accept(target, groupStart);
                }
            }
            count = 0;
        }

        /** One run, read into the sink's memory if it lends some, else in blocks through the buffer. */
        private void readAlone(long position, long length, long resultOffset) {
            MemorySegment direct = sink.direct(resultOffset, length);
            if (direct != null) {
                source.read(position, direct);
                return;
            }
            for (long done = 0; done < length; done += block) {
                MemorySegment piece = buffer(true, Math.min(block, length - done));
                source.read(position + done, piece);
                sink.accept(piece, resultOffset + done);
            }
        }

        /** The first {@code size} bytes of one of the two staging buffers, made when first needed. */
        private MemorySegment buffer(boolean first, long size) {
            MemorySegment b = first ? span : gathered;
            if (b == null || b.byteSize() < size) {
                b = arena.allocate(Math.max(size, Math.min(block, Math.max(staging, 2 * (b == null ? 0 : b.byteSize())))), 64);
                if (first) {
                    span = b;
                } else {
                    gathered = b;
                }
            }
            return b.asSlice(0, size);
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
