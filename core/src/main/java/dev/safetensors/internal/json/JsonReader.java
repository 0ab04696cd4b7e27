package dev.safetensors.internal.json;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.memory.HeapBudget;

/**
 * Reads a whole JSON document (a config, an index) with the header parser's rules: strict UTF-8,
 * serde_json's grammar and depth limit, duplicate keys rejected.
 *
 * <pre>{@code
 * Map<String, Object> config = (Map<String, Object>) JsonReader.parse(bytes, "config.json");
 * }</pre>
 */
public final class JsonReader {
    /**
     * The most heap a document can take as Java values, per byte of JSON: {@code [{},{},…]} makes an empty
     * {@code LinkedHashMap} of every 3 bytes (22 times the document, measured); documents that the heap
     * left cannot hold that many times over are refused before parsing.
     */
    public static final int WORST_CASE_HEAP_PER_BYTE = 24;

    private JsonReader() {
    }

    /**
     * The document as plain Java values: {@code LinkedHashMap<String, Object>} in document order,
     * {@code List<Object>}, String, Long (BigInteger past 64 bits), Double, Boolean and null.
     *
     * @throws SafeTensorsException {@code InvalidHeader} for invalid UTF-8, {@code InvalidHeaderDeserialization}
     *         for anything else, naming {@code source} and the byte; {@code HeaderTooLarge} when the heap
     *         cannot hold the document at its worst
     */
    public static Object parse(byte[] json, String source) {
        HeapBudget.require((long) WORST_CASE_HEAP_PER_BYTE * json.length, source, "a JSON document of " + json.length + " bytes");
        int bad = Utf8.firstInvalid(json, 0, json.length);
        if (bad >= 0) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidHeader, source,
                    "invalid UTF-8 at byte " + bad);
        }
        JsonCursor in = new JsonCursor(json, 0, json.length, source, "document");
        in.skipWhitespace();
        if (in.atEnd()) {
            throw in.fail("EOF while parsing a value: the document is empty");
        }
        Object value = in.readValue(1);
        in.skipWhitespace();
        if (!in.atEnd()) {
            throw in.fail("trailing characters after the JSON value: " + in.describeToken());
        }
        return value;
    }
}
