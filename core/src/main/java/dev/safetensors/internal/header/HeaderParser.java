package dev.safetensors.internal.header;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.json.JsonCursor;
import dev.safetensors.internal.json.Utf8;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeader;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the header JSON into a {@link TensorTable}, with serde_json's strictness (FORMAT.md §4, §5):
 * one object of tensor entries and an optional {@code __metadata__} map of strings.
 *
 * <p>Hand-written rather than a JSON library, because the rules are exact and unusual: unsigned 64-bit
 * integers, serde's depth limit of 127, duplicate keys rejected after unescaping, lone surrogates rejected
 * in names but tolerated inside ignored values, no interning or per-field objects for 10^5-tensor headers
 * (core/README.md says more). Works on the raw bytes through a {@link JsonCursor}; strings are only
 * materialised for names, metadata and unusual spellings.
 */
public final class HeaderParser {
    private static final byte[] DTYPE = ascii("dtype");
    private static final byte[] SHAPE = ascii("shape");
    private static final byte[] DATA_OFFSETS = ascii("data_offsets");
    private static final String METADATA = "__metadata__";
    private static final byte[] METADATA_BYTES = ascii(METADATA);

    private static final long[] NO_DIMS = {};

    private final JsonCursor in;
    /** Reused for every array; only the exact-size copy is kept. */
    private long[] scratch = new long[8];
    private final TensorTable table;
    private Map<String, String> metadata;
    private boolean metadataSeen;

    private HeaderParser(JsonCursor in, byte[] bytes, int headerBytes) {
        this.in = in;
        // Real entries take 60 bytes or more: sizing the table up front spares regrowing and rehashing.
        this.table = new TensorTable(bytes, headerBytes / 80);
    }

    /**
     * Checks UTF-8 (reader step 5), then parses the JSON (step 6).
     *
     * @return the tensors in header order and the metadata (null when absent or {@code null})
     */
    public static Result parse(byte[] bytes, int from, int to, String source) {
        int bad = Utf8.firstInvalid(bytes, from, to);
        if (bad >= 0) {
            throw new SafeTensorsException(InvalidHeader, source,
                    "invalid UTF-8 in header: invalid byte sequence at byte " + (bad - from) + " of the header");
        }
        HeaderParser p = new HeaderParser(new JsonCursor(bytes, from, to, source), bytes, to - from);
        p.parseTop();
        return new Result(p.table, p.metadata);
    }

    public record Result(TensorTable table, Map<String, String> metadata) {
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
                Key key = topLevelKey();
                in.expectColon();
                if (key.isMetadata()) {
                    if (metadataSeen) {
                        throw in.fail("duplicate field `__metadata__`");
                    }
                    metadataSeen = true;
                    parseMetadata();
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
    }

    private void parseMetadata() {
        if (in.peek() == 'n') {
            in.expectLiteral("null");
            return;
        }
        if (in.peek() != '{') {
            throw in.fail("`__metadata__` must be an object of strings or null, found " + in.describeToken());
        }
        in.advance();
        Map<String, String> map = new LinkedHashMap<>();
        in.skipWhitespace();
        if (in.peek() == '}') {
            in.advance();
        } else {
            while (true) {
                String key = in.parseKey();
                in.expectColon();
                if (in.peek() != '"') {
                    throw in.fail("`__metadata__` value of `" + key + "` must be a string, found " + in.describeToken());
                }
                String value = in.parseString();
                if (map.putIfAbsent(key, value) != null) {
                    throw in.fail("duplicate key `" + key + "` in `__metadata__`");
                }
                if (!in.nextMember('}')) {
                    break;
                }
            }
        }
        metadata = map;
    }

    /**
     * A top-level key where it stands in the header: turned into a string only for a message, or when it
     * was written with escapes.
     */
    private final class Key {
        final int start;
        final int close;
        final String decoded;   // non-null only for keys written with escapes

        Key(int start, int close, String decoded) {
            this.start = start;
            this.close = close;
            this.decoded = decoded;
        }

        boolean isMetadata() {
            return decoded != null ? decoded.equals(METADATA) : in.same(METADATA_BYTES, start, close);
        }

        @Override
        public String toString() {
            return decoded != null ? decoded : in.text(start, close);
        }
    }

    private Key topLevelKey() {
        in.skipWhitespace();
        if (in.peek() != '"') {
            throw in.fail("expected a string key, found " + in.describeToken());
        }
        int start = in.position() + 1;
        int close = in.scanString(true);
        return new Key(start, close, in.lastHasEscape() ? in.decode(start, close) : null);
    }

    private void parseTensor(Key name) {
        if (in.peek() != '{') {
            throw in.fail("tensor `" + name + "` must be an object with dtype, shape and data_offsets, found "
                    + in.describeToken());
        }
        in.advance();
        DType dtype = null;
        long[] shape = null;
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
                int start = in.position() + 1;
                int close = in.scanString(true);
                int field = fieldId(start, close);
                in.expectColon();
                switch (field) {
                    case 0 -> {
                        if (dtype != null) {
                            throw in.fail("duplicate field `dtype` in tensor `" + name + "`");
                        }
                        dtype = parseDType(name);
                    }
                    case 1 -> {
                        if (shape != null) {
                            throw in.fail("duplicate field `shape` in tensor `" + name + "`");
                        }
                        shape = parseUnsignedArray(name, "shape", -1);
                    }
                    case 2 -> {
                        if (offsetsSeen) {
                            throw in.fail("duplicate field `data_offsets` in tensor `" + name + "`");
                        }
                        long[] o = parseUnsignedArray(name, "data_offsets", 2);
                        begin = o[0];
                        endOffset = o[1];
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
        if (shape == null) {
            throw in.fail("missing field `shape` in tensor `" + name + "`");
        }
        if (!offsetsSeen) {
            throw in.fail("missing field `data_offsets` in tensor `" + name + "`");
        }
        if (!table.add(name.start, name.close - name.start, name.decoded, dtype, shape, begin, endOffset)) {
            throw in.fail("duplicate tensor name `" + name + "`");
        }
    }

    /** 0 = dtype, 1 = shape, 2 = data_offsets, -1 = any other field. */
    private int fieldId(int start, int close) {
        if (in.lastHasEscape()) {
            String s = in.decode(start, close);
            return switch (s) {
                case "dtype" -> 0;
                case "shape" -> 1;
                case "data_offsets" -> 2;
                default -> -1;
            };
        }
        if (in.same(DTYPE, start, close)) {
            return 0;
        }
        if (in.same(SHAPE, start, close)) {
            return 1;
        }
        return in.same(DATA_OFFSETS, start, close) ? 2 : -1;
    }

    private DType parseDType(Key name) {
        if (in.peek() != '"') {
            throw in.fail("dtype of tensor `" + name + "` must be a string, found " + in.describeToken());
        }
        int start = in.position() + 1;
        int close = in.scanString(true);
        DType t = in.lastHasEscape() ? matchDecoded(in.decode(start, close)) : in.matchDType(start, close);
        if (t == null) {
            throw in.fail("unknown dtype `" + in.decode(start, close) + "` in tensor `" + name + "`");
        }
        return t;
    }

    private static DType matchDecoded(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return JsonCursor.matchDType(bytes, 0, bytes.length);
    }

    /** An array of unsigned 64-bit integers; {@code exactLength} -1 for any length. */
    private long[] parseUnsignedArray(Key name, String field, int exactLength) {
        if (in.peek() != '[') {
            throw in.fail(field + " of tensor `" + name + "` must be an array of integers, found " + in.describeToken());
        }
        in.advance();
        long[] values = scratch;
        int n = 0;
        in.skipWhitespace();
        if (in.peek() == ']') {
            in.advance();
        } else {
            while (true) {
                long v = in.parseUnsigned(field, name);
                if (n == values.length) {
                    values = scratch = Arrays.copyOf(values, n * 2);
                }
                values[n++] = v;
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
                    break;
                } else {
                    throw in.fail("expected `,` or `]` in " + field + " of tensor `" + name + "`, found "
                            + in.describeToken());
                }
            }
        }
        if (exactLength >= 0 && n != exactLength) {
            throw in.fail(field + " of tensor `" + name + "` has invalid length " + n + ", expected "
                    + exactLength + " elements");
        }
        return n == 0 ? NO_DIMS : Arrays.copyOf(values, n);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
