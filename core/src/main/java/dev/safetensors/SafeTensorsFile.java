package dev.safetensors;

import dev.safetensors.io.ByteSource;
import dev.safetensors.internal.io.FileSource;
import dev.safetensors.internal.io.IoErrors;
import dev.safetensors.internal.io.ReadAhead;
import dev.safetensors.internal.io.SegmentSource;
import dev.safetensors.internal.read.RunCopier;
import dev.safetensors.internal.read.Runs;
import dev.safetensors.internal.read.Sink;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.RandomAccess;

/**
 * An open safetensors file: its validated {@link Header} and lazy access to each tensor.
 *
 * <p>Opening reads and validates only the header ({@code 8 + N} bytes), whatever the file size; no tensor
 * byte is touched until asked for. The handle is safe to use from many threads. Closing it while other
 * threads read makes their reads fail with a {@link SafeTensorsException} of kind {@code IoError}, never
 * with a crash or a read of unmapped memory. An interrupt fails only the interrupted thread's read.
 *
 * <p>Every copy-out (arrays, {@code copyTo}, {@code writeTo}) checks the file on disk after it reads: a file
 * that shrank, or was rewritten in place (a new modification time), since it was opened is an
 * {@code IoError}, never bytes that are not the file's. A file replaced by rename is not a change: the handle
 * keeps reading the file it opened. Zero-copy views ({@link Tensor#data()} with mmap) are checked when handed
 * out, not when read; see SECURITY.md for what they can and cannot promise.
 *
 * <pre>{@code
 * try (SafeTensorsFile file = SafeTensorsFile.open(Path.of("model.safetensors"))) {
 *     Tensor w = file.tensor("fc1.weight");        // TensorNotFound if absent
 *     float[] values = w.toFloatArray();           // F32, F16, BF16 decode to float
 *     MemorySegment raw = w.data();                // zero-copy, read-only view
 *     System.out.println(file.metadata());         // Optional[{format=pt}]
 * }
 * }</pre>
 */
public final class SafeTensorsFile implements Checkpoint {
    private static final MemorySegment UNMAPPED = MemorySegment.ofArray(new byte[0]);
    /** What messages call a file opened from memory. */
    private static final String MEMORY = "<memory>";
    /** Runs closer than this are hinted as one range. */
    private static final long PAGE = 4096;

    private final ByteSource source;
    private final Header header;
    private volatile MemorySegment data;        // null until asked for; UNMAPPED for positional sources
    private volatile boolean closed;

    private SafeTensorsFile(ByteSource source, Header header) {
        this.source = source;
        this.header = header;
    }

    /**
     * Opens and validates a file with {@link OpenOptions#defaults()}: mmap, the reference's header limit.
     *
     * @param path a {@code .safetensors} file
     * @return the open file; the caller closes it
     * @throws SafeTensorsException with the reference's kind when the file is malformed, or
     *         {@code IoError} when it cannot be read
     */
    public static SafeTensorsFile open(Path path) {
        return open(path, OpenOptions.defaults());
    }

    /**
     * Opens and validates a file.
     *
     * @param path    a {@code .safetensors} file
     * @param options how to read it (mmap or positional reads, header limit, arena)
     * @return the open file; the caller closes it
     * @throws SafeTensorsException with the reference's kind when the file is malformed, or
     *         {@code IoError} when it cannot be read
     */
    public static SafeTensorsFile open(Path path, OpenOptions options) {
        if (Files.isDirectory(path)) {   // else the read fails with a bare "Is a directory"
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, path.toString(), "is a directory, not a "
                    + "safetensors file; open a directory of shards with Checkpoint.open");
        }
        return open(ByteSource.open(path, options), options.maxHeaderSize());
    }

    /**
     * Opens a safetensors file held in a byte array (a download, a resource, the output of
     * {@link SafeTensorsWriter#toByteArray()}), with every check {@link #open(Path)} makes and the default header
     * limit. The array is not copied: tensors are views of it, so leave it unchanged while the handle is open.
     * Messages call it {@code <memory>}.
     *
     * <pre>{@code
     * byte[] bytes = SafeTensorsWriter.create()
     *         .add("w", DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2}))
     *         .toByteArray();
     * try (SafeTensorsFile file = SafeTensorsFile.open(bytes)) {
     *     float[] w = file.tensor("w").toFloatArray();     // 1.0, 2.0
     * }
     * }</pre>
     *
     * @param bytes a whole safetensors file
     * @return the open file, whose tensors are views of {@code bytes}
     * @throws SafeTensorsException with the reference's kind when the bytes are not a valid file
     */
    public static SafeTensorsFile open(byte[] bytes) {
        return open(MemorySegment.ofArray(bytes));
    }

    /**
     * Opens a safetensors file held in a segment the caller owns (off-heap memory, a mapping of its own), with every
     * check {@link #open(Path)} makes and the default header limit. Nothing is copied: tensors are views of
     * {@code segment}, valid while its arena is open; once it closes, reads fail with an {@code IoError}. Messages
     * call it {@code <memory>}.
     *
     * <pre>{@code
     * try (Arena arena = Arena.ofShared()) {
     *     MemorySegment received = arena.allocate(size);          // filled from a socket, a device, ...
     *     try (SafeTensorsFile file = SafeTensorsFile.open(received)) {
     *         MemorySegment w = file.tensor("w").data();           // a view of received
     *     }
     * }
     * }</pre>
     *
     * @param segment a whole safetensors file, in memory the caller owns
     * @return the open file, whose tensors are views of {@code segment}
     * @throws SafeTensorsException with the reference's kind when the bytes are not a valid file
     */
    public static SafeTensorsFile open(MemorySegment segment) {
        return open(segment, OpenOptions.defaults());
    }

    /**
     * The same with options: their header limit applies; the read strategy and arena, which choose how a file is
     * read, do not (the bytes are already in memory).
     *
     * <pre>{@code
     * SafeTensorsFile file = SafeTensorsFile.open(segment, OpenOptions.defaults().withMaxHeaderSize(1 << 20));
     * }</pre>
     *
     * @param segment a whole safetensors file, in memory the caller owns
     * @param options the header limit to apply
     * @return the open file, whose tensors are views of {@code segment}
     * @throws SafeTensorsException with the reference's kind when the bytes are not a valid file
     */
    public static SafeTensorsFile open(MemorySegment segment, OpenOptions options) {
        Objects.requireNonNull(segment, "segment must be non-null");
        return open(new SegmentSource(segment, MEMORY), options.maxHeaderSize());
    }

    /**
     * Opens a file from any byte source; the handle takes ownership and closes it.
     *
     * @param source        where the file's bytes come from
     * @param maxHeaderSize the largest header accepted ({@link Header#DEFAULT_MAX_SIZE} by default)
     * @return the open file; closing it closes {@code source}
     * @throws SafeTensorsException with the reference's kind when the file is malformed (the source is then
     *         closed)
     */
    public static SafeTensorsFile open(ByteSource source, long maxHeaderSize) {
        try {
            return new SafeTensorsFile(source, Header.read(source, maxHeaderSize));
        } catch (RuntimeException | Error e) {
            source.close();
            throw e;
        }
    }

    /** {@return the validated header} */
    public Header header() {
        return header;
    }

    /** The {@code __metadata__} map, empty when the header has none (or {@code null}). */
    @Override
    public Optional<Map<String, String>> metadata() {
        return header.metadata();
    }

    /** Tensor names in header order. */
    @Override
    public List<String> names() {
        return header.names();
    }

    /** Tensor names in Unicode code-point order. */
    @Override
    public List<String> sortedNames() {
        return header.sortedNames();
    }

    /** Number of tensors. */
    @Override
    public int size() {
        return header.size();
    }

    @Override
    public boolean contains(String name) {
        return header.contains(name);
    }

    /**
     * The tensor of this name; no bytes are read yet.
     *
     * @throws SafeTensorsException of kind {@code TensorNotFound}, naming the file
     */
    @Override
    public Tensor tensor(String name) {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new SafeTensorsException(SafeTensorsException.Kind.TensorNotFound, description(),
                    "tensor `" + name + "` not found (the file has " + header.size() + " tensors)");
        }
        return new Tensor(this, header.info(i));
    }

    /**
     * Every tensor, in header order (the file order of {@link Checkpoint#tensors()}); each made when first asked for.
     *
     * <pre>{@code
     * for (Tensor t : file.tensors()) {
     *     System.out.println(t.name() + " " + t.byteSize());
     * }
     * }</pre>
     *
     * @return the tensors, an unmodifiable list
     */
    @Override
    public List<Tensor> tensors() {
        final class Tensors extends AbstractList<Tensor> implements RandomAccess {
            @Override
            public Tensor get(int i) {
                return new Tensor(SafeTensorsFile.this, header.info(i));
            }

            @Override
            public int size() {
                return header.size();
            }
        }
        return new Tensors();
    }

    /**
     * Hints to the operating system that the named tensors will be read soon, so that their bytes are read from
     * disk in the background while the caller does other work (opens more files, reads other tensors, sets up a
     * device): {@code madvise(MADV_WILLNEED)} on the mapping with {@link ReadStrategy#MMAP},
     * {@code posix_fadvise(POSIX_FADV_WILLNEED)} with {@link ReadStrategy#PREAD}. Returns at once; reading the
     * tensors later gives the same bytes, sooner when the file was not in the page cache.
     *
     * <p>Hints are given on Linux when native access is enabled for this library
     * ({@code --enable-native-access=dev.safetensors.core} on the module path, {@code ALL-UNNAMED} on the class
     * path); otherwise, and for files opened from memory, this checks the names and does nothing else (no warning).
     *
     * <pre>{@code
     * file.prefetch(List.of("model.layers.1.mlp.up_proj.weight", "model.layers.1.mlp.down_proj.weight"));
     * float[] up = file.tensor("model.layers.0.mlp.up_proj.weight").toFloatArray();  // layer 1 is read meanwhile
     * }</pre>
     *
     * @param names tensors of this file
     * @throws SafeTensorsException of kind {@code TensorNotFound} for a name the file lacks (before any hint), or
     *         {@code IoError} when the file is closed
     */
    public void prefetch(Collection<String> names) {
        List<Tensor> tensors = names.stream().map(this::tensor).toList();
        for (Tensor t : tensors) {
            t.prefetch();
        }
    }

    /**
     * {@return whether tensors are zero-copy views of a mapping ({@link ReadStrategy#MMAP})} Asking does not map
     * the file (a file source says without mapping; any other source is asked for its mapping).
     */
    public boolean isMapped() {
        MemorySegment d = data;
        if (d != null) {
            return d != UNMAPPED;
        }
        return source instanceof FileSource f ? f.isMapping() : source.mapping().isPresent();
    }

    /** The file path (or source description) used in messages. */
    @Override
    public String description() {
        return source.description();
    }

    /** {@return whether {@link #close()} has been called} */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the file. With a handle-owned mapping, every view from {@link Tensor#data()} becomes
     * inaccessible (access throws {@link IllegalStateException}); with a caller's arena they stay valid
     * until that arena closes. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        source.close();
    }

    // ---- used by Tensor ----

    /** The data buffer view (the file is mapped on first use), or null for positional sources. */
    MemorySegment data() {
        checkOpen();
        MemorySegment d = data;
        if (d == null) {
            d = source.mapping().map(m -> m.asSlice(header.dataStart(), header.dataSize())).orElse(UNMAPPED);
            data = d;
        }
        return d == UNMAPPED ? null : d;
    }

    /**
     * A zero-copy view of {@code length} bytes at {@code begin} of the data buffer, checked against the file
     * on disk as it is handed out; null for positional sources.
     */
    MemorySegment view(long begin, long length) {
        try {
            MemorySegment mapped = data();
            if (mapped == null) {
                return null;
            }
            checkUnchanged();
            if (!mapped.scope().isAlive()) {
                // Slicing a dead segment succeeds; say why now rather than hand out a view whose first read fails.
                throw SegmentSource.freed(description());
            }
            return mapped.asSlice(begin, length);
        } catch (IllegalStateException e) {
            throw closedOr(e);
        }
    }

    /**
     * Hints the runs of a tensor at {@code begin} of the data buffer: runs less than a page apart (either side, for
     * reversed slices) as one range, runs further apart alone, so no page holding only unselected bytes is asked for.
     */
    void prefetchRuns(long begin, Runs runs) {
        long[] span = {-1, -1};       // the pending range of the tensor: [start, end)
        runs.forEachRun((offset, length) -> {
            if (span[0] >= 0 && offset + length > span[0] - PAGE && offset < span[1] + PAGE) {
                span[0] = Math.min(span[0], offset);
                span[1] = Math.max(span[1], offset + length);
                return;
            }
            if (span[0] >= 0) {
                prefetch(begin + span[0], span[1] - span[0]);
            }
            span[0] = offset;
            span[1] = offset + length;
        });
        if (span[0] >= 0) {
            prefetch(begin + span[0], span[1] - span[0]);
        } else {
            checkOpen();
        }
    }

    /** Hints that {@code length} bytes at {@code begin} of the data buffer will be read soon (see {@link #prefetch}). */
    void prefetch(long begin, long length) {
        checkOpen();
        if (length > 0 && source instanceof FileSource f && ReadAhead.enabled()) {
            try {
                f.prefetch(header.dataStart() + begin, length);
            } catch (IllegalStateException e) {
                throw closedOr(e);
            }
        }
    }

    /**
     * Copies the runs of the tensor at {@code begin} of the data buffer to {@code sink}: the one path of every
     * copy-out. After the copy the file on disk is checked against its state at open (one {@code stat}): a
     * change before or during the copy is reported, so bytes of a changed file are never returned as good. A
     * read of a mapping that shrank faults; the JVM may deliver that fault late, but by the end of the check
     * (a native call) at the latest, and it is reported the same way.
     */
    void copyOut(long begin, Runs runs, Sink sink) {
        checkOpen();
        try {
            MemorySegment mapped = data();
            if (mapped != null) {
                RunCopier.fromMapping(mapped, begin, runs, sink);
            } else {
                RunCopier.fromSource(source, header.dataStart() + begin, runs, sink);
            }
            checkUnchanged();
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } catch (InternalError e) {
            throw changedOnDisk(e);
        } catch (UncheckedIOException e) {
            // Writing from the mapping, the kernel reports a page gone with the file as EFAULT: say so.
            throw changedOr(e);
        }
    }

    /** A failed write: the file's change, when it changed underneath, else the write's own failure. */
    private RuntimeException changedOr(UncheckedIOException e) {
        try {
            checkUnchanged();
        } catch (InternalError fault) {
            return changedOnDisk(fault);
        }
        return e;
    }

    /**
     * The local file behind this handle, or null for other byte sources. Whoever reads it by its path (direct
     * reads) calls {@link #checkUnchanged()} after, as every copy-out does.
     */
    Path path() {
        return source instanceof FileSource f ? f.path() : null;
    }

    ByteSource source() {
        return source;
    }

    void checkOpen() {
        if (closed) {
            throw IoErrors.closed(description());
        }
    }

    /** Throws {@code IoError} when the file on disk changed since it was opened ({@code FileStamp}). */
    void checkUnchanged() {
        if (source instanceof FileSource f) {
            f.checkUnchanged();
        }
    }

    /**
     * A read of the mapping faulted: the file shrank (or vanished from a network share) after it was
     * mapped. The JVM reports that as an InternalError; callers get the IoError of the change instead.
     */
    SafeTensorsException changedOnDisk(InternalError e) {
        try {
            checkUnchanged();
        } catch (SafeTensorsException changed) {
            changed.addSuppressed(e);
            return changed;
        } catch (InternalError late) {
            e.addSuppressed(late);
        }
        return IoErrors.changed(description(), "a read of the mapping faulted: it was truncated or removed by "
                + "another process; open files that others may modify with ReadStrategy.PREAD", e);
    }

    /** Maps a failure of a concurrent close to the clean closed-handle error. */
    RuntimeException closedOr(IllegalStateException e) {
        if (closed) {
            return IoErrors.closed(description());
        }
        MemorySegment d = data;
        if (d != null && d != UNMAPPED && !d.scope().isAlive()) {
            return SegmentSource.freed(description());    // the caller closed the arena of its memory or mapping
        }
        return e;
    }
}
