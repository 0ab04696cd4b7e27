package dev.safetensors;

import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceTensor;
import dev.safetensors.device.DirectFileReads;
import dev.safetensors.device.HostBuffer;
import dev.safetensors.device.PendingCopy;
import dev.safetensors.internal.device.CpuDevice;
import dev.safetensors.internal.load.Chunk;
import dev.safetensors.internal.load.Chunker;
import dev.safetensors.internal.load.DirectReader;
import dev.safetensors.internal.load.StagingPool;
import dev.safetensors.load.LoadBudget;
import dev.safetensors.load.LoadPlan;
import dev.safetensors.load.LoadStats;
import dev.safetensors.load.LoadedTensor;
import dev.safetensors.load.TensorStream;
import dev.safetensors.parallel.RankPiece;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The streaming loader behind {@link Checkpoint#stream}: reader threads take chunks in file order, fill a
 * staging buffer from the pool with positional reads (or read straight into the destination when the
 * device shares host memory), and start the device's copy; one completion thread waits for copies in the
 * order they were started, returns their buffers and hands out each tensor once its last chunk is in.
 *
 * <p>Memory: staging buffers of at most {@code budget.bytes()} in all exist; readers wait for a free one, and for
 * room among the {@code queueDepth} copies in flight, so a slow device slows the readers instead of growing
 * memory.
 */
final class StreamingLoad implements TensorStream {
    private static final Object END = new Object();

    /** One piece's progress: its destination, allocated by the first reader to reach it. */
    private static final class Piece {
        final RankPiece plan;
        final Tensor tensor;
        final SafeTensorsFile file;
        final AtomicInteger remaining = new AtomicInteger();
        DeviceTensor destination;
        boolean handedOut;

        Piece(RankPiece plan, Tensor tensor) {
            this.plan = plan;
            this.tensor = tensor;
            this.file = tensor.file();
        }
    }

    /** A copy in flight and what to do once it is done. */
    private record InFlight(PendingCopy copy, HostBuffer buffer, Piece piece) {
    }

    private final Device device;
    private final LoadBudget budget;
    private final List<Piece> pieces = new ArrayList<>();
    private final List<Chunk> chunks;
    private final StagingPool pool;
    private final long stagingSlack;
    private final BlockingQueue<InFlight> inFlight;
    private final BlockingQueue<Object> finished = new LinkedBlockingQueue<>();
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong tensorsDone = new AtomicLong();
    private final CountDownLatch readersDone;
    private final List<Thread> readers = new ArrayList<>();
    private final int readerCount;
    private final Thread completer;
    private final DirectFileReads deviceReads;   // GPUDirect Storage, when asked for and offered
    private volatile boolean stopped;
    private volatile boolean directUsed;
    private Object peeked;
    private int handedOut;
    private boolean closed;

    private StreamingLoad(Checkpoint checkpoint, Device device, LoadPlan plan, LoadBudget budget) {
        this.device = device;
        this.budget = budget;
        if (device instanceof CpuDevice cpu) {
            cpu.requireReachableFromOtherThreads();
        }
        for (RankPiece p : plan.pieces(checkpoint)) {
            pieces.add(new Piece(p, checkpoint.tensor(p.name())));
        }
        // File order: shards in the order they appear, tensors by offset, so readahead keeps working.
        Map<SafeTensorsFile, Integer> fileOrder = new IdentityHashMap<>();
        for (Piece p : pieces) {
            fileOrder.putIfAbsent(p.file, fileOrder.size());
        }
        List<Piece> ordered = new ArrayList<>(pieces);
        ordered.sort(Comparator.<Piece>comparingInt(p -> fileOrder.get(p.file)).thenComparingLong(p -> p.tensor.info().begin()));
        pieces.clear();
        pieces.addAll(ordered);
        // O_DIRECT needs 2 blocks of slack per buffer; the chunk shrinks to make room, as long as a block is left.
        boolean direct = budget.directIo() && budget.bytes() >= 3L * DirectReader.ALIGNMENT;
        stagingSlack = direct ? 2L * DirectReader.ALIGNMENT : 0;
        long chunkBytes = Math.min(budget.chunkBytes(), budget.bytes() - stagingSlack);
        chunks = Chunker.newList();
        for (int i = 0; i < pieces.size(); i++) {
            Chunker c = new Chunker(i, chunkBytes, chunks);
            pieces.get(i).plan.slice().forEachRun(c::run);
            c.finish();
        }
        long largest = 1;
        for (Chunk c : chunks) {
            pieces.get(c.piece()).remaining.incrementAndGet();
            largest = Math.max(largest, c.bytes());
        }
        // Buffers as large as the largest chunk, not the chunk size asked for: a budget far above the
        // checkpoint's tensors must not allocate (or fail to allocate) memory no chunk can use.
        long bufferBytes = largest + stagingSlack;
        int buffers = (int) Math.max(1, Math.min(Integer.MAX_VALUE, budget.bytes() / bufferBytes));
        pool = new StagingPool(device, bufferBytes, buffers);
        // Linked, not an array: the queue depth is a bound, and a large one must not be allocated up front.
        inFlight = new LinkedBlockingQueue<>(budget.queueDepth());
        deviceReads = budget.directIo() ? device.directFileReads().orElse(null) : null;
        int threads = Math.max(1, Math.min(budget.threads(), chunks.size()));
        readerCount = threads;
        readersDone = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            Thread reader = new Thread(this::read, "safetensors-load-reader-" + t);
            reader.setDaemon(true);
            readers.add(reader);
            reader.start();
        }
        completer = new Thread(this::complete, "safetensors-load-completer");
        completer.setDaemon(true);
        completer.start();
    }

    static TensorStream start(Checkpoint checkpoint, Device device, LoadPlan plan, LoadBudget budget) {
        return new StreamingLoad(checkpoint, device, plan, budget);
    }

    // ---- readers ----

    private void read() {
        Piece p = null;
        try (DirectReader direct = stagingSlack > 0 ? new DirectReader() : null) {
            int i;
            while (!stopped && (i = nextChunk.getAndIncrement()) < chunks.size()) {
                hintAhead(i + readerCount);
                Chunk c = chunks.get(i);
                p = pieces.get(c.piece());
                DeviceTensor dst = destination(p);
                if (deviceReads != null && readStraightToDevice(p, c, dst)) {
                    chunkDone(p);
                    continue;
                }
                Optional<MemorySegment> view = device.hostView(dst);
                if (view.isPresent()) {
                    readRuns(p, c, view.get().asSlice(c.dstOffset(), c.bytes()));
                    chunkDone(p);
                    continue;
                }
                HostBuffer buffer = pool.acquire(() -> stopped);
                if (buffer == null) {
                    return;
                }
                try {
                    MemorySegment filled = fill(direct, p, c, buffer.segment());
                    PendingCopy copy = device.copyIn(filled, dst, c.dstOffset());
                    InFlight f = new InFlight(copy, buffer, p);
                    buffer = null;
                    // The completion thread drains this queue until every reader has ended, so this wait ends.
                    inFlight.put(f);
                } finally {
                    if (buffer != null) {
                        pool.release(buffer);
                    }
                }
            }
        } catch (Throwable t) {
            fail(t, p);
        } finally {
            readersDone.countDown();
        }
    }

    /**
     * Read-ahead for the chunk the readers take after the current round, when its runs are scattered (a rank's
     * column pieces, rows apart): the kernel's own read-ahead follows a sequential read, not runs rows apart, so
     * only those are hinted; sequential chunks, and O_DIRECT reads, which bypass the page cache, are not (hinting
     * sequential reads only made them slower in docs/benchmarks.md). Skipped without native access.
     */
    private void hintAhead(int index) {
        if (index >= chunks.size()) {
            return;
        }
        Chunk c = chunks.get(index);
        if (c.runOffsets().length > 1) {
            Piece p = pieces.get(c.piece());
            p.file.prefetchRuns(p.tensor.info().begin(), new dev.safetensors.internal.read.Runs() {
                @Override
                public long byteSize() {
                    return c.bytes();
                }

                @Override
                public void forEachRun(RunConsumer consumer) {
                    for (int r = 0; r < c.runOffsets().length; r++) {
                        consumer.accept(c.runOffsets()[r], c.runLengths()[r]);
                    }
                }
            });
        }
    }

    /** A single run read by the device itself from the file (GDS); false when it declines the file. */
    private boolean readStraightToDevice(Piece p, Chunk c, DeviceTensor dst) {
        Path path = p.file.path();
        if (c.runOffsets().length != 1 || path == null) {
            return false;
        }
        long position = p.file.header().dataStart() + p.tensor.info().begin() + c.runOffsets()[0];
        if (!deviceReads.read(path, position, c.bytes(), dst, c.dstOffset())) {
            return false;
        }
        p.file.checkUnchanged();    // read by its path: the same check as every copy-out
        directUsed = true;
        bytesRead.addAndGet(c.bytes());
        return true;
    }

    /** The chunk's bytes in the staging buffer: through O_DIRECT for a single run when asked, else buffered. */
    private MemorySegment fill(DirectReader direct, Piece p, Chunk c, MemorySegment staging) throws IOException {
        if (direct != null && c.runOffsets().length == 1) {
            Path path = p.file.path();
            if (path != null) {
                long position = p.file.header().dataStart() + p.tensor.info().begin() + c.runOffsets()[0];
                long at = direct.read(path, position, c.bytes(), staging);
                if (at >= 0) {
                    p.file.checkUnchanged();    // read by its path: the same check as every copy-out
                    directUsed = true;
                    bytesRead.addAndGet(c.bytes());
                    return staging.asSlice(at, c.bytes());
                }
            }
        }
        MemorySegment dst = staging.asSlice(0, c.bytes());
        readRuns(p, c, dst);
        return dst;
    }

    private void readRuns(Piece p, Chunk c, MemorySegment dst) {
        long at = 0;
        for (int r = 0; r < c.runOffsets().length; r++) {
            p.tensor.copyTo(c.runOffsets()[r], dst.asSlice(at, c.runLengths()[r]));
            at += c.runLengths()[r];
        }
        bytesRead.addAndGet(c.bytes());
    }

    private DeviceTensor destination(Piece p) {
        synchronized (p) {
            if (p.destination == null) {
                p.destination = device.allocate(p.plan.name(), p.tensor.dtype(), p.plan.slice().shape());
            }
            return p.destination;
        }
    }

    // ---- completion ----

    private void complete() {
        try {
            while (true) {
                InFlight f = inFlight.poll(10, TimeUnit.MILLISECONDS);
                if (f == null) {
                    if (readersDone.getCount() == 0 && inFlight.isEmpty()) {
                        break;
                    }
                    continue;
                }
                try {
                    f.copy().await();
                } catch (Throwable t) {
                    fail(t, f.piece());
                } finally {
                    pool.release(f.buffer());
                }
                if (!stopped) {
                    chunkDone(f.piece());
                }
            }
        } catch (Throwable t) {
            fail(t, null);
        } finally {
            finish();
        }
    }

    private void chunkDone(Piece p) {
        if (p.remaining.decrementAndGet() == 0) {
            synchronized (p) {
                if (stopped) {
                    return;
                }
                p.handedOut = true;
            }
            tensorsDone.incrementAndGet();
            finished.add(new LoadedTensor(p.plan.name(), p.plan.placement(), p.plan.dimension(), p.plan.start(),
                    p.destination));
        }
    }

    private void fail(Throwable t, Piece p) {
        failure.compareAndSet(null, p == null ? t : withTensor(t, p));
        stopped = true;
    }

    /**
     * The failure as the typed error the caller gets, naming the file and the tensor. A fault reading a
     * mapping (the file shrank under the load) arrives as an InternalError, and the JVM may raise it after
     * the copy that caused it has returned, so it is mapped here rather than only around the copy.
     */
    private SafeTensorsException withTensor(Throwable t, Piece p) {
        if (t instanceof SafeTensorsException e) {
            return e;
        }
        if (t instanceof InternalError e) {
            return p.file.changedOnDisk(e);
        }
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, p.file.description(), "loading tensor `"
                + p.plan.name() + "` onto " + device.name() + " failed: " + t, t);
    }

    /** After every reader and copy: free the pool, close what was not handed out, and end the stream. */
    private void finish() {
        pool.close();
        if (deviceReads != null) {
            deviceReads.close();
        }
        if (failure.get() != null || stopped) {
            for (Piece p : pieces) {
                synchronized (p) {
                    if (p.destination != null && !p.handedOut) {
                        closeQuietly(p.destination);
                    }
                }
            }
        }
        finished.add(failure.get() != null ? failure.get() : END);
    }

    private static void closeQuietly(DeviceTensor t) {
        try {
            t.close();
        } catch (RuntimeException ignored) {
            // The load already failed or was stopped; the first reason is the one reported.
        }
    }

    // ---- the stream ----

    @Override
    public int size() {
        return pieces.size();
    }

    @Override
    public LoadStats stats() {
        return new LoadStats(tensorsDone.get(), bytesRead.get(), pool.highWater(), pool.allocated(), directUsed);
    }

    @Override
    public synchronized boolean hasNext() {
        if (closed) {
            return false;
        }
        if (peeked == null) {
            try {
                peeked = finished.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SafeTensorsException(SafeTensorsException.Kind.IoError, device.name(),
                        "interrupted while waiting for the next tensor", e);
            }
        }
        if (peeked == END) {
            finished.add(END);
            return false;
        }
        if (peeked instanceof Throwable t) {
            finished.add(t);
            throw asLoadFailure(t);
        }
        return true;
    }

    @Override
    public synchronized LoadedTensor next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the load has handed out all " + handedOut + " tensors");
        }
        LoadedTensor t = (LoadedTensor) peeked;
        peeked = null;
        handedOut++;
        return t;
    }

    private SafeTensorsException asLoadFailure(Throwable t) {
        if (t instanceof SafeTensorsException e) {
            return e;
        }
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, device.name(),
                "the streaming load failed: " + t, t);
    }

    @Override
    public void close() {
        stopped = true;
        // Not even an interrupt may cut this wait short: until the threads end, copies may still be
        // writing to buffers and tensors, and a tensor may still be handed to the queue drained below.
        boolean interrupted = false;
        for (Thread t : readers) {
            interrupted |= joinUninterruptibly(t);
        }
        interrupted |= joinUninterruptibly(completer);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            List<Object> left = new ArrayList<>();
            if (peeked != null) {
                left.add(peeked);
                peeked = null;
            }
            finished.drainTo(left);
            for (Object o : left) {
                if (o instanceof LoadedTensor t) {
                    closeQuietly(t.tensor());
                }
            }
        }
    }

    /** Waits for {@code t} to end; true when the waiting thread was interrupted meanwhile. */
    private static boolean joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }
}
