package dev.safetensors;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeader;
import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the JSON header into a {@link Header.Table}, with serde_json's strictness (FORMAT.md §4, §5).
 *
 * <p>Hand-written rather than a JSON library, because the rules are exact and unusual: unsigned 64-bit
 * integers, serde's depth limit of 127, duplicate keys rejected after unescaping, lone surrogates rejected
 * in names but tolerated inside ignored values, no interning or per-field objects for 10^5-tensor headers.
 * Works on the raw bytes; strings are only materialised for names, metadata and unusual spellings.
 */
final class HeaderParser {
    /** serde_json's recursion limit: at most 127 nested containers, the root object included. */
    static final int MAX_DEPTH = 127;

    private static final byte[] DTYPE = ascii("dtype");
    private static final byte[] SHAPE = ascii("shape");
    private static final byte[] DATA_OFFSETS = ascii("data_offsets");
    private static final String METADATA = "__metadata__";

    private final byte[] b;
    private final int from;
    private final int end;
    private final String source;
    private int pos;

    // Facts about the string scanned last (scanString).
    private boolean lastHasEscape;
    private boolean lastNonAscii;

    private final Header.Table table = new Header.Table();
    private Map<String, String> metadata;
    private boolean metadataSeen;

    private HeaderParser(byte[] b, int from, int to, String source) {
        this.b = b;
        this.from = from;
        this.pos = from;
        this.end = to;
        this.source = source;
    }

    /**
     * Checks UTF-8 (reader step 5), then parses the JSON (step 6).
     *
     * @return the tensors in header order and the metadata (null when absent or {@code null})
     */
    static Result parse(byte[] bytes, int from, int to, String source) {
        int bad = Utf8.firstInvalid(bytes, from, to);
        if (bad >= 0) {
            throw new SafeTensorsException(InvalidHeader, source,
                    "invalid UTF-8 in header: invalid byte sequence at byte " + (bad - from) + " of the header");
        }
        HeaderParser p = new HeaderParser(bytes, from, to, source);
        p.parseTop();
        return new Result(p.table, p.metadata);
    }

    record Result(Header.Table table, Map<String, String> metadata) {
    }

    private void parseTop() {
        skipWhitespace();
        if (pos >= end) {
            throw fail("EOF while parsing a value: the header is empty");
        }
        if (b[pos] != '{') {
            throw fail("the header must be a JSON object, found " + describeToken());
        }
        pos++;
        skipWhitespace();
        if (peek() == '}') {
            pos++;
        } else {
            while (true) {
                String key = parseKey();
                expectColon();
                if (key.equals(METADATA)) {
                    if (metadataSeen) {
                        throw fail("duplicate field `__metadata__`");
                    }
                    metadataSeen = true;
                    parseMetadata();
                } else {
                    parseTensor(key);
                }
                if (!nextMember('}')) {
                    break;
                }
            }
        }
        skipWhitespace();
        if (pos != end) {
            throw fail("trailing characters after the header object: " + describeToken()
                    + " (padding must be whitespace)");
        }
    }

    private void parseMetadata() {
        if (peek() == 'n') {
            expectLiteral("null");
            return;
        }
        if (peek() != '{') {
            throw fail("`__metadata__` must be an object of strings or null, found " + describeToken());
        }
        pos++;
        Map<String, String> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
        } else {
            while (true) {
                String key = parseKey();
                expectColon();
                if (peek() != '"') {
                    throw fail("`__metadata__` value of `" + key + "` must be a string, found " + describeToken());
                }
                String value = parseString();
                if (map.putIfAbsent(key, value) != null) {
                    throw fail("duplicate key `" + key + "` in `__metadata__`");
                }
                if (!nextMember('}')) {
                    break;
                }
            }
        }
        metadata = map;
    }

    private void parseTensor(String name) {
        if (peek() != '{') {
            throw fail("tensor `" + name + "` must be an object with dtype, shape and data_offsets, found "
                    + describeToken());
        }
        pos++;
        DType dtype = null;
        long[] shape = null;
        long begin = 0;
        long endOffset = 0;
        boolean offsetsSeen = false;
        skipWhitespace();
        if (peek() == '}') {
            pos++;
        } else {
            while (true) {
                if (peek() != '"') {
                    throw fail("expected a field name in tensor `" + name + "`, found " + describeToken());
                }
                int start = pos + 1;
                int close = scanString(true);
                int field = fieldId(start, close);
                expectColon();
                switch (field) {
                    case 0 -> {
                        if (dtype != null) {
                            throw fail("duplicate field `dtype` in tensor `" + name + "`");
                        }
                        dtype = parseDType(name);
                    }
                    case 1 -> {
                        if (shape != null) {
                            throw fail("duplicate field `shape` in tensor `" + name + "`");
                        }
                        shape = parseUnsignedArray(name, "shape", -1);
                    }
                    case 2 -> {
                        if (offsetsSeen) {
                            throw fail("duplicate field `data_offsets` in tensor `" + name + "`");
                        }
                        long[] o = parseUnsignedArray(name, "data_offsets", 2);
                        begin = o[0];
                        endOffset = o[1];
                        offsetsSeen = true;
                    }
                    default -> skipValue(3);
                }
                if (!nextMember('}')) {
                    break;
                }
            }
        }
        if (dtype == null) {
            throw fail("missing field `dtype` in tensor `" + name + "`");
        }
        if (shape == null) {
            throw fail("missing field `shape` in tensor `" + name + "`");
        }
        if (!offsetsSeen) {
            throw fail("missing field `data_offsets` in tensor `" + name + "`");
        }
        if (!table.add(name, dtype, shape, begin, endOffset)) {
            throw fail("duplicate tensor name `" + name + "`");
        }
    }

    /** 0 = dtype, 1 = shape, 2 = data_offsets, -1 = any other field. */
    private int fieldId(int start, int close) {
        if (lastHasEscape) {
            String s = decode(start, close);
            return switch (s) {
                case "dtype" -> 0;
                case "shape" -> 1;
                case "data_offsets" -> 2;
                default -> -1;
            };
        }
        if (same(DTYPE, start, close)) {
            return 0;
        }
        if (same(SHAPE, start, close)) {
            return 1;
        }
        return same(DATA_OFFSETS, start, close) ? 2 : -1;
    }

    private DType parseDType(String name) {
        if (peek() != '"') {
            throw fail("dtype of tensor `" + name + "` must be a string, found " + describeToken());
        }
        int start = pos + 1;
        int close = scanString(true);
        DType t = lastHasEscape ? matchDecoded(decode(start, close)) : DType.matchWireName(b, start, close);
        if (t == null) {
            throw fail("unknown dtype `" + decode(start, close) + "` in tensor `" + name + "`");
        }
        return t;
    }

    private static DType matchDecoded(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return DType.matchWireName(bytes, 0, bytes.length);
    }

    /** An array of unsigned 64-bit integers; {@code exactLength} -1 for any length. */
    private long[] parseUnsignedArray(String name, String field, int exactLength) {
        if (peek() != '[') {
            throw fail(field + " of tensor `" + name + "` must be an array of integers, found " + describeToken());
        }
        pos++;
        long[] values = new long[4];
        int n = 0;
        skipWhitespace();
        if (peek() == ']') {
            pos++;
        } else {
            while (true) {
                long v = parseUnsigned(name, field);
                if (n == values.length) {
                    values = Arrays.copyOf(values, n * 2);
                }
                values[n++] = v;
                skipWhitespace();
                int c = peek();
                if (c == ',') {
                    pos++;
                    skipWhitespace();
                    if (peek() == ']') {
                        throw fail("trailing comma in " + field + " of tensor `" + name + "`");
                    }
                } else if (c == ']') {
                    pos++;
                    break;
                } else {
                    throw fail("expected `,` or `]` in " + field + " of tensor `" + name + "`, found "
                            + describeToken());
                }
            }
        }
        if (exactLength >= 0 && n != exactLength) {
            throw fail(field + " of tensor `" + name + "` has invalid length " + n + ", expected "
                    + exactLength + " elements");
        }
        return n == values.length ? values : Arrays.copyOf(values, n);
    }

    private long parseUnsigned(String name, String field) {
        int start = pos;
        int c = peek();
        if (c == '-') {
            throw fail(field + " of tensor `" + name + "` holds a negative number; expected an unsigned integer");
        }
        if (c < '0' || c > '9') {
            throw fail(field + " of tensor `" + name + "` must hold unsigned integers, found " + describeToken());
        }
        long v = 0;
        boolean overflow = false;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            int digit = b[pos] - '0';
            // v * 10 + digit must stay below 2^64.
            if (Long.compareUnsigned(v, 1844674407370955161L) > 0
                    || (v == 1844674407370955161L && digit > 5)) {
                overflow = true;
            }
            v = v * 10 + digit;
            pos++;
        }
        if (b[start] == '0' && pos - start > 1) {
            pos = start;
            throw fail("invalid number in " + field + " of tensor `" + name + "`: leading zero");
        }
        if (pos < end && (b[pos] == '.' || b[pos] == 'e' || b[pos] == 'E')) {
            pos = start;
            throw fail(field + " of tensor `" + name + "` holds a floating point number; expected an unsigned integer");
        }
        if (overflow) {
            pos = start;
            throw fail(field + " of tensor `" + name + "` holds a number of 2^64 or more");
        }
        return v;
    }

    /** Skips any JSON value; {@code depth} is the depth a container starting here would have. */
    private void skipValue(int depth) {
        int c = peek();
        switch (c) {
            case '"' -> scanString(false);
            case '{' -> {
                enter(depth);
                pos++;
                skipWhitespace();
                if (peek() == '}') {
                    pos++;
                    return;
                }
                while (true) {
                    if (peek() != '"') {
                        throw fail("expected a key, found " + describeToken());
                    }
                    scanString(false);
                    expectColon();
                    skipValue(depth + 1);
                    if (!nextMember('}')) {
                        return;
                    }
                }
            }
            case '[' -> {
                enter(depth);
                pos++;
                skipWhitespace();
                if (peek() == ']') {
                    pos++;
                    return;
                }
                while (true) {
                    skipValue(depth + 1);
                    if (!nextMember(']')) {
                        return;
                    }
                }
            }
            case 't' -> expectLiteral("true");
            case 'f' -> expectLiteral("false");
            case 'n' -> expectLiteral("null");
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    skipNumber();
                } else {
                    throw fail("expected a value, found " + describeToken());
                }
            }
        }
    }

    private void enter(int depth) {
        if (depth > MAX_DEPTH) {
            throw fail("recursion limit exceeded: more than " + MAX_DEPTH + " nested arrays and objects");
        }
    }

    private void skipNumber() {
        int start = pos;
        if (b[pos] == '-') {
            pos++;
        }
        if (pos >= end || b[pos] < '0' || b[pos] > '9') {
            throw fail("invalid number");
        }
        if (b[pos] == '0') {
            pos++;
            if (pos < end && b[pos] >= '0' && b[pos] <= '9') {
                pos = start;
                throw fail("invalid number: leading zero");
            }
        } else {
            skipDigits();
        }
        if (pos < end && b[pos] == '.') {
            pos++;
            if (skipDigits() == 0) {
                throw fail("invalid number: no digit after the decimal point");
            }
        }
        if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
            pos++;
            if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
                pos++;
            }
            if (skipDigits() == 0) {
                throw fail("invalid number: no digit in the exponent");
            }
        }
    }

    private int skipDigits() {
        int start = pos;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
        }
        return pos - start;
    }

    /** After a member or element: true when a comma follows, false at the closing bracket. */
    private boolean nextMember(char close) {
        skipWhitespace();
        int c = peek();
        if (c == ',') {
            pos++;
            skipWhitespace();
            if (peek() == close) {
                throw fail("trailing comma");
            }
            return true;
        }
        if (c == close) {
            pos++;
            return false;
        }
        throw fail("expected `,` or `" + close + "`, found " + describeToken());
    }

    private String parseKey() {
        skipWhitespace();
        if (peek() != '"') {
            throw fail("expected a string key, found " + describeToken());
        }
        return parseString();
    }

    private void expectColon() {
        skipWhitespace();
        if (peek() != ':') {
            throw fail("expected `:`, found " + describeToken());
        }
        pos++;
        skipWhitespace();
    }

    private void expectLiteral(String word) {
        int n = word.length();
        for (int i = 0; i < n; i++) {
            if (pos + i >= end || b[pos + i] != word.charAt(i)) {
                throw fail("expected a value, found " + describeToken());
            }
        }
        pos += n;
    }

    private String parseString() {
        int start = pos + 1;
        int close = scanString(true);
        return decode(start, close);
    }

    /**
     * Validates the string starting at {@code pos} (a quote) and moves past its closing quote.
     *
     * @param strict whether lone surrogate escapes are errors; serde_json skips ignored values without
     *               checking surrogates, but rejects them in every string it keeps
     * @return the index of the closing quote
     */
    private int scanString(boolean strict) {
        pos++;
        boolean escape = false;
        boolean nonAscii = false;
        while (true) {
            if (pos >= end) {
                throw fail("EOF while parsing a string");
            }
            int c = b[pos] & 0xFF;
            if (c == '"') {
                lastHasEscape = escape;
                lastNonAscii = nonAscii;
                return pos++;
            }
            if (c == '\\') {
                escape = true;
                pos++;
                scanEscape(strict);
            } else if (c < 0x20) {
                throw fail("control character (byte 0x" + Integer.toHexString(c) + ") while parsing a string");
            } else {
                nonAscii |= c >= 0x80;
                pos++;
            }
        }
    }

    private void scanEscape(boolean strict) {
        if (pos >= end) {
            throw fail("EOF while parsing a string");
        }
        switch (b[pos]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> pos++;
            case 'u' -> {
                pos++;
                int cp = hex4();
                if (!strict) {
                    return;
                }
                if (Character.isLowSurrogate((char) cp)) {
                    throw fail("lone trailing surrogate in hex escape");
                }
                if (Character.isHighSurrogate((char) cp)) {
                    if (pos + 1 >= end || b[pos] != '\\' || b[pos + 1] != 'u') {
                        throw fail("unexpected end of hex escape: lone leading surrogate");
                    }
                    pos += 2;
                    int low = hex4();
                    if (!Character.isLowSurrogate((char) low)) {
                        throw fail("lone leading surrogate in hex escape");
                    }
                }
            }
            default -> throw fail("invalid escape");
        }
    }

    private int hex4() {
        if (pos + 4 > end) {
            throw fail("EOF while parsing a hex escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(b[pos + i], 16);
            if (d < 0) {
                throw fail("invalid escape: `\\u` needs four hex digits");
            }
            v = (v << 4) | d;
        }
        pos += 4;
        return v;
    }

    /** The string between {@code start} and the closing quote, scanned last. */
    private String decode(int start, int close) {
        if (!lastHasEscape) {
            return new String(b, start, close - start,
                    lastNonAscii ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        }
        StringBuilder sb = new StringBuilder(close - start);
        int i = start;
        while (i < close) {
            int run = i;
            while (i < close && b[i] != '\\') {
                i++;
            }
            if (i > run) {
                sb.append(new String(b, run, i - run, StandardCharsets.UTF_8));
            }
            if (i >= close) {
                break;
            }
            byte e = b[i + 1];
            i += 2;
            switch (e) {
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(new String(b, i, 4, StandardCharsets.ISO_8859_1), 16));
                    i += 4;
                }
                default -> sb.append((char) e);
            }
        }
        return sb.toString();
    }

    private boolean same(byte[] word, int start, int close) {
        return close - start == word.length && Arrays.equals(word, 0, word.length, b, start, close);
    }

    private void skipWhitespace() {
        while (pos < end) {
            byte c = b[pos];
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                pos++;
            } else {
                return;
            }
        }
    }

    private int peek() {
        return pos < end ? b[pos] & 0xFF : -1;
    }

    private String describeToken() {
        if (pos >= end) {
            return "end of header";
        }
        int c = b[pos] & 0xFF;
        if (c >= 0x21 && c < 0x7F) {
            return "`" + (char) c + "`";
        }
        return "byte 0x" + (c < 0x10 ? "0" : "") + Integer.toHexString(c);
    }

    private SafeTensorsException fail(String what) {
        return new SafeTensorsException(InvalidHeaderDeserialization, source,
                "invalid JSON in header: " + what + " at byte " + (pos - from) + " of the header");
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
