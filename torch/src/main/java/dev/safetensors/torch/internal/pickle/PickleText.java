package dev.safetensors.torch.internal.pickle;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The text arguments of protocols 0 and 1 and the string encodings of all protocols, decoded as CPython's
 * unpickler decodes them (with {@code encoding="utf-8"}, as {@code torch.load} passes).
 */
final class PickleText {
    /** CPython's default cap on decimal digits ({@code sys.int_info.default_max_str_digits}): no quadratic parsing. */
    static final int MAX_DIGITS = 4300;


    private PickleText() {
    }

    /** Strict UTF-8, as {@code str(bytes, "utf-8")}. */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw PickleError.malformed("a string that is not valid UTF-8");
        }
    }

    /** ASCII text of a line argument. */
    static String ascii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                throw PickleError.malformed("a text argument that is not ASCII");
            }
        }
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    /** {@code int(text, base)} with base 10, or 0 (prefixes 0x, 0o, 0b; no leading zeros), as Python parses it. */
    static Object parseInt(String text, boolean base0) {
        String s = text.strip();
        int i = 0;
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            negative = s.charAt(0) == '-';
            i = 1;
        }
        int radix = 10;
        if (base0 && s.length() > i + 1 && s.charAt(i) == '0') {
            char p = Character.toLowerCase(s.charAt(i + 1));
            radix = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 10;
            if (radix != 10) {
                i += 2;
                if (i < s.length() && s.charAt(i) == '_') {
                    i++;
                }
            }
        }
        String digits = s.substring(i);
        if (digits(digits, 0, radix) != digits.length()) {
            throw PickleError.malformed("`" + abbreviate(text) + "` is not an integer");
        }
        digits = digits.replace("_", "");
        if (radix == 10 && base0 && digits.length() > 1 && digits.chars().anyMatch(c -> c != '0') && digits.charAt(0) == '0') {
            throw PickleError.malformed("`" + abbreviate(text) + "` is not an integer (leading zeros)");
        }
        if (radix == 10 && digits.length() > MAX_DIGITS) {
            throw PickleError.malformed("an integer of " + digits.length() + " digits exceeds the limit of " + MAX_DIGITS);
        }
        BigInteger value;
        try {
            value = new BigInteger(digits, radix);
        } catch (NumberFormatException e) {
            throw PickleError.malformed("`" + abbreviate(text) + "` is not an integer in base " + radix);
        }
        return normalize(negative ? value.negate() : value);
    }

    /** {@code float(text)}: decimal literals, inf, infinity and nan in any case. */
    static double parseFloat(String text) {
        String s = text.strip();
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        boolean negative = lower.startsWith("-");
        String body = lower.startsWith("-") || lower.startsWith("+") ? lower.substring(1) : lower;
        if (body.equals("inf") || body.equals("infinity")) {
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (body.equals("nan")) {
            return Double.longBitsToDouble(negative ? 0xfff8000000000000L : 0x7ff8000000000000L);
        }
        if (s.length() > MAX_DIGITS || !isDecimalFloat(s)) {
            throw PickleError.malformed("`" + abbreviate(text) + "` is not a float");
        }
        return Double.parseDouble(s.replace("_", ""));
    }

    /** Python's float literal: [sign] (digits [. [digits]] | . digits) [(e|E) [sign] digits]. */
    private static boolean isDecimalFloat(String s) {
        int i = s.startsWith("+") || s.startsWith("-") ? 1 : 0;
        int whole = digits(s, i, 10);
        boolean hasWhole = whole > i;
        i = whole;
        boolean hasFraction = false;
        if (i < s.length() && s.charAt(i) == '.') {
            int fraction = digits(s, i + 1, 10);
            hasFraction = fraction > i + 1;
            i = fraction;
        }
        if (!hasWhole && !hasFraction) {
            return false;
        }
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            int start = i + 1 < s.length() && (s.charAt(i + 1) == '+' || s.charAt(i + 1) == '-') ? i + 2 : i + 1;
            int end = digits(s, start, 10);
            if (end == start) {
                return false;
            }
            i = end;
        }
        return i == s.length();
    }

    /**
     * The end of a run of digits of {@code radix} from {@code from}, single underscores allowed between
     * digits, as Python's literals have them ({@code from} itself when there is none). No regex: inputs are
     * long and regex repetition recurses.
     */
    private static int digits(String s, int from, int radix) {
        int i = from;
        int end = from;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.digit(c, radix) >= 0 && c < 0x80) {
                end = ++i;
            } else if (c == '_' && end == i && i > from && i + 1 < s.length()
                    && Character.digit(s.charAt(i + 1), radix) >= 0 && s.charAt(i + 1) < 0x80) {
                i++;
            } else {
                break;
            }
        }
        return end;
    }

    /** A Python long from little-endian two's-complement bytes (LONG1, LONG4). */
    static Object littleEndianInt(byte[] le) {
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        return normalize(new BigInteger(be));
    }

    /** Long when the value fits 64 bits, BigInteger otherwise. */
    static Object normalize(BigInteger v) {
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    /** The quoted argument of STRING, unquoted and escape-decoded as {@code codecs.escape_decode} does. */
    static byte[] quotedString(byte[] line) {
        int n = line.length;
        if (n < 2 || line[0] != line[n - 1] || (line[0] != '\'' && line[0] != '"')) {
            throw PickleError.malformed("the STRING argument must be quoted");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(n);
        for (int i = 1; i < n - 1; i++) {
            byte b = line[i];
            if (b != '\\' || i + 1 >= n - 1) {
                if (b == '\\') {
                    throw PickleError.malformed("the STRING argument ends with a lone backslash");
                }
                out.write(b);
                continue;
            }
            byte c = line[++i];
            switch (c) {
                case '\n' -> { }
                case '\\', '\'', '"' -> out.write(c);
                case 'a' -> out.write(7);
                case 'b' -> out.write(8);
                case 'f' -> out.write(12);
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 't' -> out.write('\t');
                case 'v' -> out.write(11);
                case 'x' -> {
                    if (i + 2 > n - 2 || hex(line[i + 1]) < 0 || hex(line[i + 2]) < 0) {
                        throw PickleError.malformed("an invalid \\x escape in a STRING argument");
                    }
                    out.write(hex(line[i + 1]) * 16 + hex(line[i + 2]));
                    i += 2;
                }
                default -> {
                    if (c >= '0' && c <= '7') {
                        int v = c - '0';
                        for (int k = 0; k < 2 && i + 1 < n - 1 && line[i + 1] >= '0' && line[i + 1] <= '7'; k++) {
                            v = v * 8 + (line[++i] - '0');
                        }
                        out.write(v & 0xFF);
                    } else {
                        out.write('\\');
                        out.write(c);
                    }
                }
            }
        }
        return out.toByteArray();
    }

    /** The argument of UNICODE, decoded as {@code raw-unicode-escape}: only \\u and \\U escapes, after an odd run of backslashes. */
    static String rawUnicodeEscape(byte[] line) {
        StringBuilder sb = new StringBuilder(line.length);
        int i = 0;
        while (i < line.length) {
            if (line[i] != '\\') {
                sb.append((char) (line[i++] & 0xFF));
                continue;
            }
            int run = i;
            while (i < line.length && line[i] == '\\') {
                i++;
            }
            int backslashes = i - run;
            boolean escape = (backslashes & 1) == 1 && i < line.length && (line[i] == 'u' || line[i] == 'U');
            sb.append("\\".repeat(escape ? backslashes - 1 : backslashes));
            if (!escape) {
                continue;
            }
            int width = line[i] == 'u' ? 4 : 8;
            int cp = 0;
            for (int k = 1; k <= width; k++) {
                int h = i + k < line.length ? hex(line[i + k]) : -1;
                if (h < 0) {
                    throw PickleError.malformed("a truncated \\u escape in a UNICODE argument");
                }
                cp = cp * 16 + h;
            }
            if (cp < 0 || cp > Character.MAX_CODE_POINT) {
                throw PickleError.malformed("a \\U escape beyond U+10FFFF in a UNICODE argument");
            }
            sb.appendCodePoint(cp);
            i += width + 1;
        }
        return sb.toString();
    }

    private static int hex(byte b) {
        return Character.digit(b, 16);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
