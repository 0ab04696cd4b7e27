package dev.safetensors;

import static dev.safetensors.SafeTensorsException.Kind.HeaderTooLarge;
import static dev.safetensors.SafeTensorsException.Kind.HeaderTooSmall;
import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderLength;
import static dev.safetensors.SafeTensorsException.Kind.TensorNotFound;

import dev.safetensors.internal.header.ForeignFormat;
import dev.safetensors.internal.header.HeaderParser;
import dev.safetensors.internal.header.HeaderValidator;
import dev.safetensors.internal.header.IntSort;
import dev.safetensors.internal.header.TensorTable;
import dev.safetensors.internal.memory.HeapBudget;
import dev.safetensors.internal.text.Elide;
import dev.safetensors.io.ByteSource;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.AbstractList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.RandomAccess;

/**
 * A parsed and validated safetensors header: the tensor table and the {@code __metadata__} map.
 *
 * <p>Immutable and safe to share between threads. The table is stored as parallel arrays, so a header of
 * 10^5 tensors costs a few arrays and one hash index, not 10^5 objects; {@link TensorInfo} records are
 * made on demand.
 *
 * <pre>{@code
 * Header h = Header.read(source, Header.DEFAULT_MAX_SIZE);
 * for (String name : h.names()) {
 *     TensorInfo t = h.info(name);
 *     System.out.println(name + " " + t.dtype() + t.shape());
 * }
 * }</pre>
 */
public final class Header {
    /** The reference's header size limit: 100,000,000 bytes (10^8, not 100 MiB). */
    public static final long DEFAULT_MAX_SIZE = 100_000_000L;

    /** The largest limit a caller may set: a header is held in one Java array. */
    public static final long MAX_CONFIGURABLE_SIZE = Integer.MAX_VALUE - 16;

    /** Size of the little-endian length prefix. */
    public static final int LENGTH_PREFIX = 8;


    private final TensorTable table;
    private final String source;
    private final Map<String, String> metadata;
    private final long headerSize;
    private final int[] dataOrder;
    private volatile List<String> sortedNames;

    private Header(TensorTable table, String source, Map<String, String> metadata, long headerSize, int[] dataOrder) {
        this.table = table;
        this.source = source;
        this.metadata = metadata;   // the parser's map is unmodifiable
        this.headerSize = headerSize;
        this.dataOrder = dataOrder;
    }

    /**
     * Reads and validates the header of a whole safetensors file, in the reference's order of checks
     * (docs/format.md#reader-checks). Touches only the first {@code 8 + N} bytes of the source.
     *
     * @param source        the whole file
     * @param maxHeaderSize the largest accepted N; {@link #DEFAULT_MAX_SIZE} unless the caller needs more
     * @return the validated header
     * @throws SafeTensorsException with the reference's kind for any malformed input
     */
    public static Header read(ByteSource source, long maxHeaderSize) {
        checkLimit(maxHeaderSize);
        try {
            return readChecked(source, maxHeaderSize);
        } catch (SafeTensorsException e) {
            throw withFormatHint(e, source);
        }
    }

    private static Header readChecked(ByteSource source, long maxHeaderSize) {
        String name = source.description();
        long fileSize = source.size();
        if (fileSize < LENGTH_PREFIX) {
            throw new SafeTensorsException(HeaderTooSmall, name,
                    "header too small: the file has " + fileSize + " bytes, fewer than the 8-byte header length");
        }
        byte[] prefix = new byte[LENGTH_PREFIX];
        source.read(0, MemorySegment.ofArray(prefix));
        // A ByteBuffer, not a layout: a segment's first VarHandle access sets up method handles at run time, a
        // few milliseconds of every small command's start-up.
        long n = ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (Long.compareUnsigned(n, maxHeaderSize) > 0) {
            throw new SafeTensorsException(HeaderTooLarge, name, "header too large: the header length field says "
                    + Long.toUnsignedString(n) + " bytes, more than the limit of " + maxHeaderSize);
        }
        if (n > fileSize - LENGTH_PREFIX) {
            throw new SafeTensorsException(InvalidHeaderLength, name, "invalid header length: the header length field says "
                    + n + " bytes, but the file has only " + (fileSize - LENGTH_PREFIX) + " bytes after it");
        }
        HeapBudget.require(HeaderParser.heapNeeded(n), name, "a header of " + n + " bytes");
        byte[] json = new byte[(int) n];
        source.read(LENGTH_PREFIX, MemorySegment.ofArray(json));
        return parseOwned(json, fileSize - LENGTH_PREFIX - n, name);
    }

    /**
     * A file that is not safetensors at all (a PyTorch zip, a pickle, JSON, GGUF, NumPy, …) fails in the
     * first steps; the error then also says what the file looks like and what to do, with its kind unchanged.
     */
    private static SafeTensorsException withFormatHint(SafeTensorsException e, ByteSource source) {
        boolean framing = switch (e.kind()) {
            case HeaderTooSmall, HeaderTooLarge, InvalidHeaderLength, InvalidHeader, InvalidHeaderDeserialization -> true;
            default -> false;
        };
        if (!framing) {
            return e;
        }
        String hint;
        try {
            byte[] head = new byte[(int) Math.min(ForeignFormat.HEAD, source.size())];
            source.read(0, MemorySegment.ofArray(head));
            hint = ForeignFormat.describe(head);
        } catch (SafeTensorsException unreadable) {
            return e;
        }
        return hint == null ? e : new SafeTensorsException(e.kind(), e.source(), e.detail() + "; " + hint, e);
    }

    /**
     * Parses and validates header JSON (reader steps 5 to 8) for a data buffer of {@code dataSize} bytes.
     *
     * @param json     the N header bytes, padding included
     * @param dataSize the number of bytes after the header
     * @param source   what to call the file in error messages, or null
     * @return the validated header; {@code json} is copied, not kept
     * @throws SafeTensorsException with the reference's kind for any malformed input
     */
    public static Header parse(byte[] json, long dataSize, String source) {
        HeapBudget.require(HeaderParser.heapNeeded(json.length), source, "a header of " + json.length + " bytes");
        return parseOwned(json.clone(), dataSize, source);
    }

    /** As {@link #parse}, keeping {@code json} (the parser decodes names in it; they are read from it on demand). */
    private static Header parseOwned(byte[] json, long dataSize, String source) {
        HeaderParser.Result r = HeaderParser.parse(json, 0, json.length, source);
        int[] order = HeaderValidator.validate(r.table(), json.length, dataSize, source);
        return new Header(r.table(), source, r.metadata(), json.length, order);
    }

    /**
     * Checks a header size limit a caller asks for.
     *
     * @param maxHeaderSize the limit, in bytes
     * @throws IllegalArgumentException unless {@code 0 <= maxHeaderSize <= MAX_CONFIGURABLE_SIZE}
     */
    public static void checkLimit(long maxHeaderSize) {
        if (maxHeaderSize < 0 || maxHeaderSize > MAX_CONFIGURABLE_SIZE) {
            throw new IllegalArgumentException("the header size limit must be between 0 and "
                    + MAX_CONFIGURABLE_SIZE + " bytes, got " + maxHeaderSize);
        }
    }

    /** {@return N: the length of the JSON header in bytes, padding included} */
    public long headerSize() {
        return headerSize;
    }

    /** {@return where the data buffer starts in the file: {@code 8 + N}} */
    public long dataStart() {
        return LENGTH_PREFIX + headerSize;
    }

    /** {@return total bytes of tensor data (the end of the last tensor)} */
    public long dataSize() {
        return dataOrder.length == 0 ? 0 : table.end(dataOrder[dataOrder.length - 1]);
    }

    /** {@return number of tensors} */
    public int size() {
        return table.size();
    }

    /** {@return the {@code __metadata__} map in header order, or empty when absent or {@code null}} */
    public Optional<Map<String, String>> metadata() {
        return Optional.ofNullable(metadata);
    }

    /** {@return tensor names in the order the header lists them} */
    public List<String> names() {
        return new IndexedList(table.size(), table::name);
    }

    /** {@return tensor names sorted by Unicode code point (UTF-8 byte order), as Python's {@code keys()} returns them} */
    public List<String> sortedNames() {
        List<String> s = sortedNames;
        if (s == null) {
            int[] order = new int[table.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            IntSort.sort(order, table::compareNames);
            String[] sorted = new String[order.length];
            for (int i = 0; i < order.length; i++) {
                sorted[i] = table.name(order[i]);
            }
            sortedNames = s = List.of(sorted);
        }
        return s;
    }

    /** {@return tensor names in the order of their bytes in the file} */
    public List<String> namesInDataOrder() {
        return new IndexedList(table.size(), i -> table.name(dataOrder[i]));
    }

    /**
     * {@return whether a tensor of this name exists}
     *
     * @param name a tensor name
     */
    public boolean contains(String name) {
        return table.indexOf(name) >= 0;
    }

    /**
     * {@return the header entry of the tensor of this name}
     *
     * @param name a tensor name
     * @throws SafeTensorsException of kind {@code TensorNotFound}, naming the file the header came from
     */
    public TensorInfo info(String name) {
        int i = table.indexOf(name);
        if (i < 0) {
            throw new SafeTensorsException(TensorNotFound, source,
                    "tensor `" + Elide.text(name) + "` not found (the header lists " + table.size() + " tensors)");
        }
        return info(i);
    }

    /**
     * {@return the header entry of the {@code i}-th tensor in header order}
     *
     * @param i from 0 to {@link #size()} - 1
     */
    public TensorInfo info(int i) {
        return new TensorInfo(table.name(i), table.dtype(i), Shape.read(table.rank(i), table.dims(i)),
                table.begin(i), table.end(i));
    }

    /** The {@code i}-th tensor in header order, or -1. */
    int indexOf(String name) {
        return table.indexOf(name);
    }

    private static final class IndexedList extends AbstractList<String> implements RandomAccess {
        private final int size;
        private final java.util.function.IntFunction<String> get;

        IndexedList(int size, java.util.function.IntFunction<String> get) {
            this.size = size;
            this.get = get;
        }

        @Override
        public String get(int i) {
            return get.apply(java.util.Objects.checkIndex(i, size));
        }

        @Override
        public int size() {
            return size;
        }
    }
}
