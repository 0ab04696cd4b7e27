package dev.safetensors.internal.header;

import dev.safetensors.internal.json.JsonCursor;
import dev.safetensors.internal.json.JsonStrings;
import dev.safetensors.internal.text.Elide;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The {@code __metadata__} map, read from the header text whenever asked: in header order, unmodifiable.
 *
 * <p>A {@code LinkedHashMap} of strings costs about 150 bytes per entry, and an entry ({@code "k":"",})
 * can take 7 bytes of header: 20 times the header. Here the entries stay text; the only memory is the key
 * index, 8 bytes per slot at 1.5 slots per entry, and strings are made when read. The text has been
 * checked by {@link #read} (an object of strings), so walking it again cannot fail.
 */
final class MetadataMap extends AbstractMap<String, String> {
    private final byte[] json;
    private final int open;       // position of the object's '{'
    private final int end;        // end of the header
    private final int size;
    private final KeyIndex index;
    private final KeyIndex.Keys keys = new Keys();

    private MetadataMap(byte[] json, int open, int end, int size) {
        this.json = json;
        this.open = open;
        this.end = end;
        this.size = size;
        this.index = new KeyIndex(size + size / 2 + 1);
    }

    /**
     * Reads the value of {@code __metadata__} at the cursor: checks it is {@code null} or an object of
     * strings with no key twice, and indexes it where it stands (two passes: the first checks and counts,
     * so that the index is sized exactly).
     *
     * @return the map, or null for {@code null}
     */
    static MetadataMap read(JsonCursor in, byte[] json) {
        if (in.peek() == 'n') {
            in.expectLiteral("null");
            return null;
        }
        if (in.peek() != '{') {
            throw in.fail("`__metadata__` must be an object of strings or null, found " + in.describeToken());
        }
        int open = in.position();
        in.advance();
        int count = 0;
        in.skipWhitespace();
        if (in.peek() == '}') {
            in.advance();
        } else {
            do {
                in.skipWhitespace();
                if (in.peek() != '"') {
                    throw in.fail("expected a string key, found " + in.describeToken());
                }
                int keyAt = in.position();
                int keyClose = in.scanString();
                in.expectColon();
                if (in.peek() != '"') {
                    throw in.fail("`__metadata__` value of `" + Elide.utf8(json, keyAt + 1, keyClose)
                            + "` must be a string, found " + in.describeToken());
                }
                in.scanString();
                count++;
            } while (in.nextMember('}'));
        }
        MetadataMap m = new MetadataMap(json, open, in.end(), count);
        Walk w = m.new Walk();
        while (w.next()) {
            if (m.index.putIfAbsent(m.keys, w.keyAt) >= 0) {
                throw in.failAt(w.keyAt, "duplicate key `" + Elide.utf8(json, w.keyStart, w.keyClose) + "` in `__metadata__`");
            }
        }
        return m;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String s && index.get(keys, s) >= 0;
    }

    @Override
    public String get(Object key) {
        if (!(key instanceof String s)) {
            return null;
        }
        int at = index.get(keys, s);
        if (at < 0) {
            return null;
        }
        JsonCursor in = cursor(at);
        in.scanString();
        in.expectColon();
        return in.parseString();
    }

    @Override
    public Set<Map.Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Iterator<Map.Entry<String, String>> iterator() {
                Walk w = new Walk();
                return new Iterator<>() {
                    private boolean ready = w.next();

                    @Override
                    public boolean hasNext() {
                        return ready;
                    }

                    @Override
                    public Map.Entry<String, String> next() {
                        if (!ready) {
                            throw new NoSuchElementException();
                        }
                        Map.Entry<String, String> e = Map.entry(w.key(), w.value());
                        ready = w.next();
                        return e;
                    }
                };
            }
        };
    }

    private JsonCursor cursor(int at) {
        JsonCursor in = new JsonCursor(json, 0, end, null);
        in.seek(at);
        return in;
    }

    /** One pass over the entries in header order. */
    private final class Walk {
        private final JsonCursor in = cursor(open + 1);
        int keyAt = -1;
        private int keyStart;
        private int keyClose;
        private int valueStart;
        private int valueClose;
        private boolean keyEscaped;
        private boolean valueEscaped;

        boolean next() {
            if (keyAt >= 0 && !in.nextMember('}')) {
                return false;
            }
            in.skipWhitespace();
            if (in.peek() == '}') {
                return false;
            }
            keyAt = in.position();
            keyStart = keyAt + 1;
            keyClose = in.scanString();
            keyEscaped = in.lastHasEscape();
            in.expectColon();
            valueStart = in.position() + 1;
            valueClose = in.scanString();
            valueEscaped = in.lastHasEscape();
            return true;
        }

        String key() {
            return text(keyStart, keyClose, keyEscaped);
        }

        String value() {
            return text(valueStart, valueClose, valueEscaped);
        }

        private String text(int start, int close, boolean escaped) {
            return escaped ? JsonStrings.decode(json, start, close)
                    : new String(json, start, close - start, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Keys are identified by the position of their opening quote; escaped ones are decoded to compare. */
    private final class Keys implements KeyIndex.Keys {
        @Override
        public int hash(int at) {
            JsonCursor in = cursor(at);
            int close = in.scanString();
            if (!in.lastHasEscape()) {
                return KeyedHash.hash(json, at + 1, close - at - 1);
            }
            byte[] k = utf8(at);
            return KeyedHash.hash(k, 0, k.length);
        }

        @Override
        public boolean same(int a, int b) {
            return Arrays.equals(utf8(a), utf8(b));
        }

        @Override
        public boolean matches(int at, byte[] utf8) {
            return Arrays.equals(utf8(at), utf8);
        }

        /** The key's UTF-8 bytes, a copy: needed only when two hashes are equal. */
        private byte[] utf8(int at) {
            JsonCursor in = cursor(at);
            int close = in.scanString();
            if (!in.lastHasEscape()) {
                return Arrays.copyOfRange(json, at + 1, close);
            }
            byte[] out = new byte[close - at - 1];
            return Arrays.copyOf(out, JsonStrings.decode(json, at + 1, close, out, 0));
        }
    }
}
