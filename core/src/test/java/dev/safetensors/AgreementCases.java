package dev.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generated files of the classes where a reader can drift from the reference, each with the verdict the
 * format rules give (docs/format.md#header-json and #differences), never what our
 * parser says. Every case is a valid file by construction, then at most one or two deliberate breaks:
 *
 * <ul>
 *   <li><b>unknown-string</b>: an unknown tensor field holding any JSON value; a lone or reversed
 *       surrogate escape anywhere in it (a string or an object key) makes the header invalid, because the
 *       reference decodes every value (serde's {@code flatten} buffers the entry);</li>
 *   <li><b>unknown-number</b>: an unknown field holding a number; one whose magnitude is 1.8e308 or more
 *       is out of range for a double and invalid, smaller ones (and underflow to 0) are valid; the narrow
 *       band where serde_json versions differ (1.7976931348623157e308 to 1.8e308) is not generated;</li>
 *   <li><b>error-order</b>: one tensor broken at the JSON level and another broken at validation level,
 *       in either order: the whole header is deserialized before validation, so the JSON error wins;</li>
 *   <li><b>array-form</b>: an entry written {@code ["U8",[1],[0,1]]}: accepted by serde, rejected here
 *       on purpose (core/README.md, deliberate differences);</li>
 *   <li><b>colliding-names</b>: names that share a {@link String#hashCode}: valid.</li>
 * </ul>
 */
final class AgreementCases {
    /** A generated file; {@code expected} is {@code OK} or a kind; {@code differs} marks a deliberate difference. */
    record Case(String id, byte[] file, String expected, boolean differs) {
        @Override
        public String toString() {
            return id;
        }
    }

    private static final String IHD = "InvalidHeaderDeserialization";

    private AgreementCases() {
    }

    static List<Case> all() {
        List<Case> cases = new ArrayList<>();
        Random random = new Random(9);
        for (int i = 0; i < 120; i++) {
            cases.add(unknownString(random, i));
        }
        for (int i = 0; i < 120; i++) {
            cases.add(unknownNumber(random, i));
        }
        for (int i = 0; i < 120; i++) {
            cases.add(errorOrder(random, i));
        }
        for (int i = 0; i < 20; i++) {
            cases.add(arrayForm(random, i));
        }
        for (int i = 0; i < 20; i++) {
            cases.add(collidingNames(random, i));
        }
        return cases;
    }

    // ---- unknown-string ----

    private static Case unknownString(Random r, int i) {
        boolean broken = r.nextInt(3) > 0;
        StringBuilder value = new StringBuilder();
        int[] strings = {0};
        jsonValue(r, value, 0, strings);
        String v = value.toString();
        if (broken) {
            // Put a bad escape inside one of the strings (values or keys) of the generated value.
            String bad = switch (r.nextInt(4)) {
                case 0 -> "\\ud800";
                case 1 -> "\\udfff";
                case 2 -> "\\udc00\\ud800";
                default -> "\\ud83d\\u0041";
            };
            v = injectIntoString(r, v, bad, strings[0]);
        }
        Tensors t = Tensors.random(r, 1 + r.nextInt(3));
        t.extra(r.nextInt(t.count()), "\"" + (r.nextBoolean() ? "x" : "quantization") + "\":" + v);
        return new Case("unknown-string-" + i, t.file(), broken ? IHD : "OK", false);
    }

    /** Any JSON value of bounded depth, every string made of plain characters and valid escapes. */
    private static void jsonValue(Random r, StringBuilder sb, int depth, int[] strings) {
        int kind = depth >= 4 ? 3 + r.nextInt(4) : r.nextInt(7);
        switch (kind) {
            case 0 -> {
                sb.append('[');
                int n = r.nextInt(4);
                for (int k = 0; k < n; k++) {
                    sb.append(k == 0 ? "" : ",");
                    jsonValue(r, sb, depth + 1, strings);
                }
                sb.append(']');
            }
            case 1, 2 -> {
                sb.append('{');
                int n = r.nextInt(4);
                for (int k = 0; k < n; k++) {
                    sb.append(k == 0 ? "" : ",");
                    string(r, sb, strings);
                    sb.append(':');
                    jsonValue(r, sb, depth + 1, strings);
                }
                sb.append('}');
            }
            case 3, 4 -> string(r, sb, strings);
            case 5 -> sb.append(r.nextInt(2000) - 1000).append(r.nextBoolean() ? ".5e3" : "");
            default -> sb.append(List.of("true", "false", "null").get(r.nextInt(3)));
        }
    }

    private static void string(Random r, StringBuilder sb, int[] strings) {
        String[] parts = {"a", "é", "中", "\\n", "\\\"", "\\u0041", "\\ud83d\\ude00", "\\u00e9", "/", " "};
        sb.append('"');
        int n = 1 + r.nextInt(4);
        for (int k = 0; k < n; k++) {
            sb.append(parts[r.nextInt(parts.length)]);
        }
        sb.append('"');
        strings[0]++;
    }

    /** Inserts {@code bad} right after the opening quote of a random one of the {@code count} strings. */
    private static String injectIntoString(Random r, String json, String bad, int count) {
        if (count == 0) {
            return "\"" + bad + "\"";
        }
        int target = r.nextInt(count);
        int seen = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                if (seen++ == target) {
                    return json.substring(0, i + 1) + bad + json.substring(i + 1);
                }
                inString = true;
            }
        }
        throw new IllegalStateException("string " + target + " not found in " + json);
    }

    // ---- unknown-number ----

    private static Case unknownNumber(Random r, int i) {
        // The decimal exponent decides: below 308 always finite, above 308 always infinite; at 308 the
        // leading digits decide, kept clear of the boundary (1.7976931348623157e308).
        int exponent = switch (r.nextInt(4)) {
            case 0 -> r.nextInt(600) - 300;
            case 1 -> 300 + r.nextInt(20);
            case 2 -> 308;
            default -> r.nextBoolean() ? -400 - r.nextInt(100000) : 400 + r.nextInt(100000);
        };
        String mantissa;
        if (exponent == 308) {
            mantissa = r.nextBoolean() ? "1." + (100 + r.nextInt(600)) : "1." + (800 + r.nextInt(200));
        } else {
            mantissa = (1 + r.nextInt(9)) + "." + r.nextInt(1000);
        }
        boolean finite = exponent < 308 || exponent == 308 && mantissa.compareTo("1.797") < 0;
        String spelled = spell(r, mantissa, exponent);
        Tensors t = Tensors.random(r, 1 + r.nextInt(2));
        t.extra(0, "\"n\":" + (r.nextBoolean() ? "-" : "") + spelled);
        return new Case("unknown-number-" + i + "-e" + exponent, t.file(), finite ? "OK" : IHD, false);
    }

    /** {@code d.ddd × 10^exponent} in one of JSON's spellings: exponent form, or plain digits when short. */
    private static String spell(Random r, String mantissa, int exponent) {
        String digits = mantissa.replace(".", "");
        int style = r.nextInt(3);
        if (style == 0 && exponent >= 0 && exponent < 400) {
            // Plain integer digits: 1.5e3 → 1500 (possibly hundreds of digits).
            StringBuilder sb = new StringBuilder(digits);
            while (sb.length() < exponent + 1) {
                sb.append('0');
            }
            return sb.substring(0, exponent + 1);
        }
        if (style == 1 && exponent < 0 && exponent > -400) {
            return "0." + "0".repeat(-exponent - 1) + digits;   // 1.5e-3 → 0.0015
        }
        int shift = r.nextInt(3);   // 15e2, 0.15e4 and 1.5e3 are the same number
        return switch (shift) {
            case 0 -> mantissa + "e" + exponent;
            case 1 -> digits + "e" + (exponent - (digits.length() - 1));
            default -> "0." + digits + (exponent + 1 >= 0 ? "E+" : "E") + (exponent + 1);
        };
    }

    // ---- error-order ----

    private static Case errorOrder(Random r, int i) {
        Tensors t = Tensors.random(r, 2 + r.nextInt(4));
        int jsonBroken = r.nextInt(t.count());
        int validationBroken = (jsonBroken + 1 + r.nextInt(t.count() - 1)) % t.count();
        switch (r.nextInt(6)) {
            case 0 -> t.extra(jsonBroken, "\"x\":\"\\ud800\"");
            case 1 -> t.extra(jsonBroken, "\"x\":1e400");
            case 2 -> t.dtype(jsonBroken, "F128");
            case 3 -> t.extra(jsonBroken, "\"x\":[1,]");
            case 4 -> t.extra(jsonBroken, "\"shape\":[1]");   // a repeated field
            default -> t.extra(jsonBroken, "\"x\":{\"k\":-01}");
        }
        switch (r.nextInt(4)) {
            case 0 -> t.shape(validationBroken, "[18446744073709551615,2]");   // ValidationOverflow
            case 1 -> t.offsets(validationBroken, "[7,3]");                    // InvalidOffset
            case 2 -> t.dtype(validationBroken, "F4").shape(validationBroken, "[3]");   // MisalignedSlice
            default -> t.shape(validationBroken, "[9]");                       // TensorInvalidInfo
        }
        return new Case("error-order-" + i, t.file(), IHD, false);
    }

    // ---- array-form ----

    private static Case arrayForm(Random r, int i) {
        Tensors t = Tensors.random(r, 1 + r.nextInt(3));
        t.arrayForm(r.nextInt(t.count()));
        return new Case("array-form-" + i, t.file(), IHD, true);
    }

    // ---- colliding-names ----

    private static Case collidingNames(Random r, int i) {
        int blocks = 3 + r.nextInt(4);
        List<String> names = new ArrayList<>();
        for (int bits = 0; bits < 1 << blocks; bits++) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < blocks; k++) {
                sb.append((bits >>> k & 1) == 0 ? "Aa" : "BB");
            }
            names.add(sb.toString());
        }
        java.util.Collections.shuffle(names, r);
        return new Case("colliding-names-" + i, new Tensors(names).file(), "OK", false);
    }

    /** Valid U8/F32 tensors laid out back to back, with hooks to change one entry. */
    static final class Tensors {
        private final List<String> names;
        private final List<String> dtypes = new ArrayList<>();
        private final List<String> shapes = new ArrayList<>();
        private final List<String> offsets = new ArrayList<>();
        private final List<String> extras = new ArrayList<>();
        private final List<Boolean> arrayForm = new ArrayList<>();
        private long size;

        Tensors(List<String> names) {
            this.names = names;
            for (String ignored : names) {
                int elements = 1 + (int) (size % 3);
                boolean f32 = size % 2 == 0;
                dtypes.add(f32 ? "F32" : "U8");
                shapes.add("[" + elements + "]");
                long bytes = elements * (f32 ? 4L : 1L);
                offsets.add("[" + size + "," + (size + bytes) + "]");
                extras.add("");
                arrayForm.add(false);
                size += bytes;
            }
        }

        static Tensors random(Random r, int count) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                names.add("layer." + i + "." + Integer.toString(r.nextInt(1 << 20), 36));
            }
            return new Tensors(names);
        }

        int count() {
            return names.size();
        }

        Tensors extra(int i, String field) {
            extras.set(i, extras.get(i) + "," + field);
            return this;
        }

        Tensors dtype(int i, String dtype) {
            dtypes.set(i, dtype);
            return this;
        }

        Tensors shape(int i, String shape) {
            shapes.set(i, shape);
            return this;
        }

        Tensors offsets(int i, String o) {
            offsets.set(i, o);
            return this;
        }

        Tensors arrayForm(int i) {
            arrayForm.set(i, true);
            return this;
        }

        byte[] file() {
            StringBuilder sb = new StringBuilder("{");
            for (int i = 0; i < names.size(); i++) {
                sb.append(i == 0 ? "" : ",").append('"').append(names.get(i)).append("\":");
                if (arrayForm.get(i)) {
                    sb.append("[\"").append(dtypes.get(i)).append("\",").append(shapes.get(i)).append(',')
                            .append(offsets.get(i)).append(']');
                } else {
                    sb.append("{\"dtype\":\"").append(dtypes.get(i)).append("\",\"shape\":").append(shapes.get(i))
                            .append(",\"data_offsets\":").append(offsets.get(i)).append(extras.get(i)).append('}');
                }
            }
            byte[] header = sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(8 + header.length + (int) size).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(header.length).put(header).array();
        }
    }
}
