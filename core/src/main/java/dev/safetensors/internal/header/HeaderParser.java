package dev.safetensors.internal.header;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.json.JsonCursor;
import dev.safetensors.internal.json.JsonStrings;
import dev.safetensors.internal.json.Utf8;
import dev.safetensors.internal.text.Elide;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeader;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Reads the header JSON into a {@link TensorTable}, with serde_json's strictness (docs/format.md#header-json):
 * one object of tensor entries and an optional {@code __metadata__} map of strings.
 *
 * <p>Hand-written rather than a JSON library, because the rules are exact and unusual: unsigned 64-bit
 * integers, serde's depth limit of 127, duplicate keys rejected after unescaping, every value decoded even
 * in ignored fields (as serde's {@code flatten} does), and memory bounded by a small multiple of the
 * header for any input (core/README.md says more). Works on the raw bytes through a {@link JsonCursor};
 * nothing is copied out of them while parsing: names are decoded in place, shapes and metadata stay text.
 * The bytes are therefore the parser's to change and must not be shared.
 */
public final class HeaderParser {
    private static final byte[] DTYPE = ascii("dtype");
    private static final byte[] SHAPE = ascii("shape");
    private static final byte[] DATA_OFFSETS = ascii("data_offsets");
    private static final byte[] METADATA = ascii("__metadata__");

    /** The shortest tensor entry, {@code "":{"dtype":"U8","shape":[],"data_offsets":[0,0]},}, in bytes. */
    static final int MIN_ENTRY_BYTES = 50;
    /** Escaped spellings longer than this cannot be a field name or a dtype (12 characters of 6 bytes). */
    private static final int MAX_ESCAPED_WORD = 72;

    private static final DType[] DTYPES = DType.values();
    private static final byte[][] WIRE_NAMES = new byte[DTYPES.length][];

    static {
        for (int i = 0; i < DTYPES.length; i++) {
            WIRE_NAMES[i] = ascii(DTYPES[i].wireName());
        }
    }

    /**
     * The most heap that opening a header can take, as a multiple of its size: the header bytes themselves
     * (kept: names are read from them) plus the tensor table, the name index and the metadata index at their
     * worst. Measured per class of hostile header in {@code HeaderMemoryTest}; SECURITY.md states it.
     */
    public static final double WORST_CASE_HEAP_PER_BYTE = 3.0;

    private final JsonCursor in;
    private final byte[] json;
    private final int from;
    private final TensorTable table;
    private final byte[] word = new byte[MAX_ESCAPED_WORD];
    // The array read last (readUnsignedArray).
    private int count;
    private long first;
    private long second;
    private long elements;
    private boolean overflow;
    private Map<String, String> metadata;
    private boolean metadataSeen;

    private HeaderParser(byte[] json, int from, int to, String source) {
        this.in = new JsonCursor(json, from, to, source);
        this.json = json;
        this.from = from;
        int bytes = to - from;
        // Real entries take 60 bytes or more: sizing the table up front spares regrowing.
        this.table = new TensorTable(json, bytes / 80, bytes / MIN_ENTRY_BYTES + 1);
    }

    /**
     * Checks UTF-8 (reader step 5), then parses the JSON (step 6). Decodes escaped names in place, so
     * {@code bytes} must be the caller's own copy.
     *
     * @return the tensors in header order and the metadata (null when absent or {@code null})
     */
    public static Result parse(byte[] bytes, int from, int to, String source) {
        int bad = Utf8.firstInvalid(bytes, from, to);
        if (bad >= 0) {
            throw new SafeTensorsException(InvalidHeader, source,
                    "invalid UTF-8 in header: invalid byte sequence at byte " + (bad - from) + " of the header");
        }
        HeaderParser p = new HeaderParser(bytes, from, to, source);
        p.parseTop();
        return new Result(p.table, p.metadata);
    }

    public record Result(TensorTable table, Map<String, String> metadata) {
    }

    /** The most heap parsing and validating a header of {@code headerBytes} can take. */
    public static long heapNeeded(long headerBytes) {
        return (long) (WORST_CASE_HEAP_PER_BYTE * headerBytes);
    }

    private void parseTop() {
        in.skipWhitespace();
        if (in.atEnd()) {
            throw in.fail("EOF while parsing a value: the header is empty");
        }
        if (in.peek() != '{') {
            throw in.fail("the header must be a JSON object, found " + in.describeToken());
        }
        in.advance();
        in.skipWhitespace();
        if (in.peek() == '}') {
            in.advance();
        } else {
            while (true) {
                Name key = topLevelKey();
                in.expectColon();
                if (key.is(METADATA)) {
                    if (metadataSeen) {
                        throw in.failAt(key.at - 1, "duplicate field `__metadata__`");
                    }
                    metadataSeen = true;
                    metadata = MetadataMap.read(in, json);
                } else {
                    parseTensor(key);
                }
                if (!in.nextMember('}')) {
                    break;
                }
            }
        }
        in.skipWhitespace();
        if (!in.atEnd()) {
            throw in.fail("trailing characters after the header object: " + in.describeToken()
                    + " (padding must be whitespace)");
        }
        // Duplicates are a project rule checked once everything is read (the reference accepts them, so a
        // JSON error anywhere must win, as in the reference's order).
        int duplicate = table.finish();
        if (duplicate >= 0) {
            throw in.failAt(table.nameAt(duplicate) - 1, "duplicate tensor name `" + table.nameForMessage(duplicate) + "`");
        }
    }

    /** A top-level key: its UTF-8 bytes in the header, decoded in place when written with escapes. */
    private final class Name {
        final int at;
        final int length;

        Name(int at, int length) {
            this.at = at;
            this.length = length;
        }

        boolean is(byte[] word) {
            return length == word.length && Arrays.equals(word, 0, word.length, json, at, at + length);
        }

        /** The name for a message, shortened if absurdly long. */
        @Override
        public String toString() {
            return Elide.utf8(json, at, at + length);
        }
    }

    private Name topLevelKey() {
        in.skipWhitespace();
        if (in.peek() != '"') {
            throw in.fail("expected a string key, found " + in.describeToken());
        }
        int start = in.position() + 1;
        int close = in.scanString();
        return new Name(start, in.decodeInPlace(start, close));
    }

    private void parseTensor(Name name) {
        if (in.peek() == '[') {
            throw in.fail("tensor `" + name + "` is written in array form ([dtype, shape, data_offsets]); only the "
                    + "object form {\"dtype\": …, \"shape\": […], \"data_offsets\": [begin, end]} is accepted "
                    + "(serde also reads the array form, no writer emits it: a deliberate difference, docs/format.md#differences)");
        }
        if (in.peek() != '{') {
            throw in.fail("tensor `" + name + "` must be an object with dtype, shape and data_offsets, found "
                    + in.describeToken());
        }
        in.advance();
        DType dtype = null;
        int shapeAt = -1;
        long shapeElements = 0;
        boolean shapeOverflow = false;
        long begin = 0;
        long endOffset = 0;
        boolean offsetsSeen = false;
        in.skipWhitespace();
        if (in.peek() == '}') {
            in.advance();
        } else {
            while (true) {
                if (in.peek() != '"') {
                    throw in.fail("expected a field name in tensor `" + name + "`, found " + in.describeToken());
                }
                int fieldAt = in.position();
                int field = fieldId();
                in.expectColon();
                switch (field) {
                    case 0 -> {
                        if (dtype != null) {
                            throw in.failAt(fieldAt, "duplicate field `dtype` in tensor `" + name + "`");
                        }
                        dtype = parseDType(name);
                    }
                    case 1 -> {
                        if (shapeAt >= 0) {
                            throw in.failAt(fieldAt, "duplicate field `shape` in tensor `" + name + "`");
                        }
                        shapeAt = in.position();
                        readUnsignedArray(name, "shape");
                        shapeElements = elements;
                        shapeOverflow = overflow;
                    }
                    case 2 -> {
                        if (offsetsSeen) {
                            throw in.failAt(fieldAt, "duplicate field `data_offsets` in tensor `" + name + "`");
                        }
                        readUnsignedArray(name, "data_offsets");
                        if (count != 2) {
                            throw in.fail("data_offsets of tensor `" + name + "` has invalid length " + count
                                    + ", expected 2 elements");
                        }
                        begin = first;
                        endOffset = second;
                        offsetsSeen = true;
                    }
                    default -> in.skipValue(3);
                }
                if (!in.nextMember('}')) {
                    break;
                }
            }
        }
        if (dtype == null) {
            throw in.fail("missing field `dtype` in tensor `" + name + "`");
        }
        if (shapeAt < 0) {
            throw in.fail("missing field `shape` in tensor `" + name + "`");
        }
        if (!offsetsSeen) {
            throw in.fail("missing field `data_offsets` in tensor `" + name + "`");
        }
        table.add(name.at, name.length, dtype, shapeAt, SizeRule.byteCount(shapeElements, shapeOverflow, dtype),
                begin, endOffset);
    }

    /** The field name at the cursor: 0 = dtype, 1 = shape, 2 = data_offsets, -1 = any other field. */
    private int fieldId() {
        int start = in.position() + 1;
        int close = in.scanString();
        int length = wordAt(start, close);
        byte[] w = in.lastHasEscape() ? word : json;
        int at = in.lastHasEscape() ? 0 : start;
        if (same(DTYPE, w, at, length)) {
            return 0;
        }
        if (same(SHAPE, w, at, length)) {
            return 1;
        }
        return same(DATA_OFFSETS, w, at, length) ? 2 : -1;
    }

    /**
     * A short string scanned last, decoded into {@link #word} when written with escapes.
     *
     * @return its length in bytes, or -1 when it is too long to be a field name or a dtype
     */
    private int wordAt(int start, int close) {
        if (!in.lastHasEscape()) {
            return close - start;
        }
        if (close - start > MAX_ESCAPED_WORD) {
            return -1;
        }
        return JsonStrings.decode(json, start, close, word, 0);
    }

    private static boolean same(byte[] expected, byte[] b, int at, int length) {
        return length == expected.length && Arrays.equals(expected, 0, expected.length, b, at, at + length);
    }

    private DType parseDType(Name name) {
        if (in.peek() != '"') {
            throw in.fail("dtype of tensor `" + name + "` must be a string, found " + in.describeToken());
        }
        int at = in.position();
        int start = at + 1;
        int close = in.scanString();
        int length = wordAt(start, close);
        byte[] w = in.lastHasEscape() ? word : json;
        int wordStart = in.lastHasEscape() ? 0 : start;
        for (int i = 0; i < DTYPES.length; i++) {
            if (same(WIRE_NAMES[i], w, wordStart, length)) {
                return DTYPES[i];
            }
        }
        throw in.failAt(at, "unknown dtype `" + Elide.utf8(json, start, close) + "` in tensor `" + name + "`");
    }

    /**
     * Reads an array of unsigned 64-bit integers into {@link #count}, {@link #first}, {@link #second} and
     * the checked product {@link #elements} / {@link #overflow}: all a shape or data_offsets needs, with no
     * array kept (a shape may have 5 × 10^7 dimensions).
     */
    private void readUnsignedArray(Name name, String field) {
        if (in.peek() != '[') {
            throw in.fail(field + " of tensor `" + name + "` must be an array of integers, found " + in.describeToken());
        }
        in.advance();
        count = 0;
        elements = 1;
        overflow = false;
        in.skipWhitespace();
        if (in.peek() == ']') {
            in.advance();
            return;
        }
        while (true) {
            long v = in.parseUnsigned(field, name);
            if (count == 0) {
                first = v;
            } else if (count == 1) {
                second = v;
            }
            count++;
            // The reference folds with checked multiplication: once overflowed, a later 0 does not help.
            overflow |= Math.unsignedMultiplyHigh(elements, v) != 0;
            elements *= v;
            in.skipWhitespace();
            int c = in.peek();
            if (c == ',') {
                in.advance();
                in.skipWhitespace();
                if (in.peek() == ']') {
                    throw in.fail("trailing comma in " + field + " of tensor `" + name + "`");
                }
            } else if (c == ']') {
                in.advance();
                return;
            } else {
                throw in.fail("expected `,` or `]` in " + field + " of tensor `" + name + "`, found "
                        + in.describeToken());
            }
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
