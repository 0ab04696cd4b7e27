package dev.safetensors.internal.json;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.text.Elide;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;

import java.nio.charset.StandardCharsets;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A position in header bytes and the JSON lexical rules of serde_json: whitespace, strings with their
 * escapes, numbers, literals, and skipping any value within the depth limit. Skipping checks what decoding
 * would (surrogates, number range), because the reference decodes every value it meets. {@link HeaderParser} says
 * what the header must contain; this class says how JSON is spelled. It is longer than most files here
 * because the whole grammar lives in one place: skipping and reading a value share one walk.
 */
public final class JsonCursor {
    /** serde_json's recursion limit: at most 127 nested containers, the root object included. */
    public static final int MAX_DEPTH = 127;

    /** Longer numbers are refused when kept: BigInteger parsing is quadratic, a hostile file's lever. */
    private static final int MAX_KEPT_NUMBER = 400;

    private final byte[] b;
    private final int from;
    private final int end;
    private final String source;
    private final String document;     // "header", "index", "document": for messages
    private int pos;

    private boolean exactNumbers;      // readExactValue: numbers keep their text
    private long values;               // values walked so far (countValues)

    // Facts about the string scanned last (scanString).
    private boolean lastHasEscape;
    private boolean lastNonAscii;

    public JsonCursor(byte[] b, int from, int to, String source) {
        this(b, from, to, source, "header");
    }

    /** @param document what the bytes are, for messages: "header", "index", "config" */
    public JsonCursor(byte[] b, int from, int to, String source, String document) {
        this.document = document;
        this.b = b;
        this.from = from;
        this.pos = from;
        this.end = to;
        this.source = source;
    }

    public int position() {
        return pos;
    }

    public void advance() {
        pos++;
    }

    /** Moves to {@code position}, for walking again text that has been checked. */
    public void seek(int position) {
        pos = position;
    }

    /** The end of the text being read. */
    public int end() {
        return end;
    }

    public boolean atEnd() {
        return pos >= end;
    }

    public boolean lastHasEscape() {
        return lastHasEscape;
    }

    /**
     * An unsigned 64-bit integer, element of {@code field} of tensor {@code name} (both only for messages,
     * which are built on failure alone: this is the hottest path of a large header).
     */
    public long parseUnsigned(String field, Object name) {
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
        int digits = 0;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            int digit = b[pos] - '0';
            // 19 digits always fit; from the 20th on, v * 10 + digit must stay below 2^64.
            if (++digits > 19 && (Long.compareUnsigned(v, 1844674407370955161L) > 0
                    || (v == 1844674407370955161L && digit > 5))) {
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
    public void skipValue(int depth) {
        value(depth, false);
    }

    /**
     * Reads any JSON value as plain Java: String, Long (or BigInteger), Double, Boolean, null, List, and Map
     * in document order, rejecting duplicate keys. Used for files beside the header (the sharded index),
     * which have no fixed schema.
     */
    public Object readValue(int depth) {
        return value(depth, true);
    }

    /**
     * As {@link #readValue}, with numbers as {@link JsonNumber}s that keep their text, for documents written
     * back (an index); the same numbers are accepted and refused.
     */
    public Object readExactValue(int depth) {
        exactNumbers = true;
        try {
            return value(depth, true);
        } finally {
            exactNumbers = false;
        }
    }

    /**
     * Walks the value at the cursor, checking it as {@link #skipValue} does, and comes back to where it
     * started: how many JSON values it holds, itself included. What building a value costs follows from how
     * many values it holds, not from its length ({@code {}} is 3 bytes and a 56-byte map), so a reader sizes
     * its heap check with this before it builds anything.
     */
    public long countValues(int depth) {
        int start = pos;
        long before = values;
        value(depth, false);
        pos = start;
        return values - before;
    }

    /** One walk for skipping and reading, so both follow the same grammar; {@code keep} builds the value. */
    private Object value(int depth, boolean keep) {
        values++;
        int c = peek();
        switch (c) {
            case '"' -> {
                int start = pos + 1;
                int close = scanString();
                return keep ? decode(start, close) : null;
            }
            case '{' -> {
                enter(depth);
                pos++;
                Map<String, Object> map = keep ? new LinkedHashMap<>() : null;
                skipWhitespace();
                if (peek() == '}') {
                    pos++;
                    return map;
                }
                while (true) {
                    if (peek() != '"') {
                        throw fail("expected a key, found " + describeToken());
                    }
                    int keyAt = pos;
                    Object key = value(depth + 1, keep);
                    expectColon();
                    Object v = value(depth + 1, keep);
                    if (keep && (map.containsKey(key) || map.put((String) key, v) != null)) {
                        pos = keyAt;
                        throw fail("duplicate key `" + Elide.text((String) key) + "`");
                    }
                    if (!nextMember('}')) {
                        return map;
                    }
                }
            }
            case '[' -> {
                enter(depth);
                pos++;
                List<Object> list = keep ? new ArrayList<>() : null;
                skipWhitespace();
                if (peek() == ']') {
                    pos++;
                    return list;
                }
                while (true) {
                    Object v = value(depth + 1, keep);
                    if (keep) {
                        list.add(v);
                    }
                    if (!nextMember(']')) {
                        return list;
                    }
                }
            }
            case 't' -> {
                expectLiteral("true");
                return keep ? Boolean.TRUE : null;
            }
            case 'f' -> {
                expectLiteral("false");
                return keep ? Boolean.FALSE : null;
            }
            case 'n' -> {
                expectLiteral("null");
                return null;
            }
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    int start = pos;
                    boolean integral = skipNumber();
                    if (!keep && !JsonNumbers.fitsDouble(b, start, pos)) {
                        pos = start;
                        throw fail("number out of range: beyond the largest double");
                    }
                    if (keep && pos - start > MAX_KEPT_NUMBER) {
                        pos = start;
                        throw fail("a number of more than " + MAX_KEPT_NUMBER + " characters");
                    }
                    return keep ? number(new String(b, start, pos - start, StandardCharsets.ISO_8859_1), integral) : null;
                }
                throw fail("expected a value, found " + describeToken());
            }
        }
    }

    /**
     * Integers as Long (or BigInteger past 64 bits); other numbers as double, as serde_json keeps them; in
     * exact mode a {@link JsonNumber} of the text, refused where the double would be.
     */
    private Object number(String text, boolean integral) {
        if (integral && exactNumbers) {
            return new JsonNumber(text, true);
        }
        if (integral) {
            BigInteger v = new BigInteger(text);
            return v.bitLength() < 64 ? (Object) v.longValue() : v;
        }
        double d = Double.parseDouble(text);
        if (Double.isInfinite(d)) {
            throw fail("number out of range");
        }
        return exactNumbers ? new JsonNumber(text, false) : d;
    }

    private void enter(int depth) {
        if (depth > MAX_DEPTH) {
            throw fail("recursion limit exceeded: more than " + MAX_DEPTH + " nested arrays and objects");
        }
    }

    /** Skips a number; true when it has no fraction and no exponent. */
    private boolean skipNumber() {
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
        boolean integral = true;
        if (pos < end && b[pos] == '.') {
            integral = false;
            pos++;
            if (skipDigits() == 0) {
                throw fail("invalid number: no digit after the decimal point");
            }
        }
        if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
            integral = false;
            pos++;
            if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
                pos++;
            }
            if (skipDigits() == 0) {
                throw fail("invalid number: no digit in the exponent");
            }
        }
        return integral;
    }

    private int skipDigits() {
        int start = pos;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
        }
        return pos - start;
    }

    /** After a member or element: true when a comma follows, false at the closing bracket. */
    public boolean nextMember(char close) {
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

    public String parseKey() {
        skipWhitespace();
        if (peek() != '"') {
            throw fail("expected a string key, found " + describeToken());
        }
        return parseString();
    }

    public void expectColon() {
        skipWhitespace();
        if (peek() != ':') {
            throw fail("expected `:`, found " + describeToken());
        }
        pos++;
        skipWhitespace();
    }

    public void expectLiteral(String word) {
        int n = word.length();
        for (int i = 0; i < n; i++) {
            if (pos + i >= end || b[pos + i] != word.charAt(i)) {
                throw fail("expected a value, found " + describeToken());
            }
        }
        pos += n;
    }

    public String parseString() {
        int start = pos + 1;
        int close = scanString();
        return decode(start, close);
    }

    /**
     * Validates the string starting at {@code pos} (a quote) and moves past its closing quote. Every string
     * is checked in full, lone surrogate escapes included, wherever it stands: the reference decodes
     * unknown fields too (serde's {@code flatten} buffers each entry), so no string is merely skipped.
     *
     * @return the index of the closing quote
     */
    public int scanString() {
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
                scanEscape();
            } else if (c < 0x20) {
                throw fail("control character (byte 0x" + Integer.toHexString(c) + ") while parsing a string");
            } else {
                nonAscii |= c >= 0x80;
                pos++;
            }
        }
    }

    private void scanEscape() {
        if (pos >= end) {
            throw fail("EOF while parsing a string");
        }
        switch (b[pos]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> pos++;
            case 'u' -> {
                pos++;
                int cp = hex4();
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

    /** {@code [start, close)} of a string without escapes (already valid UTF-8) as a Java string. */
    public String text(int start, int close) {
        return new String(b, start, close - start, StandardCharsets.UTF_8);
    }

    /** The string between {@code start} and the closing quote, scanned last. */
    public String decode(int start, int close) {
        if (!lastHasEscape) {
            return new String(b, start, close - start,
                    lastNonAscii ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        }
        return JsonStrings.decode(b, start, close);
    }

    /**
     * Decodes the string scanned last in place (see {@link JsonStrings}): its UTF-8 bytes then start at
     * {@code start}, and the rest of its text up to the quote is no longer JSON.
     *
     * @return the length of the decoded bytes
     */
    public int decodeInPlace(int start, int close) {
        return lastHasEscape ? JsonStrings.decode(b, start, close, b, start) - start : close - start;
    }

    public boolean same(byte[] word, int start, int close) {
        return close - start == word.length && Arrays.equals(word, 0, word.length, b, start, close);
    }

    public void skipWhitespace() {
        while (pos < end) {
            byte c = b[pos];
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                pos++;
            } else {
                return;
            }
        }
    }

    public int peek() {
        return pos < end ? b[pos] & 0xFF : -1;
    }

    public String describeToken() {
        if (pos >= end) {
            return "end of header";
        }
        int c = b[pos] & 0xFF;
        if (c >= 0x21 && c < 0x7F) {
            return "`" + (char) c + "`";
        }
        return "byte 0x" + (c < 0x10 ? "0" : "") + Integer.toHexString(c);
    }

    public SafeTensorsException fail(String what) {
        return failAt(pos, what);
    }

    /** As {@link #fail}, for a problem found at {@code position} after the cursor has moved on. */
    public SafeTensorsException failAt(int position, String what) {
        return new SafeTensorsException(InvalidHeaderDeserialization, source,
                "invalid JSON in " + document + ": " + what + " at byte " + (position - from) + " of the " + document);
    }
}
