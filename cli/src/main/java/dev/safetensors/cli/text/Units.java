package dev.safetensors.cli.text;

import java.util.Locale;

/** Numbers as people read them in tables: sizes in binary units, counts in K/M/B, values in six digits. */
public final class Units {
    private static final String[] BYTE_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    private static final String[] COUNT_UNITS = {"", "K", "M", "B", "T", "P", "E"};

    private Units() {
    }

    /** {@code 512 B}, {@code 1.5 KiB}, {@code 32.0 MiB}, {@code 13.5 GiB}: three significant digits from KiB up. */
    public static String bytes(long n) {
        return scaled(n, 1024, BYTE_UNITS, " ");
    }

    /**
     * {@code 1,234,567}: the digits grouped by thousands with commas, as {@code %,d} prints them in
     * {@code Locale.ROOT}, without a Formatter (see {@link Pad} for why).
     */
    public static String grouped(long n) {
        String digits = Long.toString(n);
        int sign = n < 0 ? 1 : 0;
        int count = digits.length() - sign;
        StringBuilder sb = new StringBuilder(digits.length() + count / 3).append(digits, 0, sign);
        for (int i = 0; i < count; i++) {
            if (i > 0 && (count - i) % 3 == 0) {
                sb.append(',');
            }
            sb.append(digits.charAt(sign + i));
        }
        return sb.toString();
    }

    /** {@code 640}, {@code 16.8M}, {@code 7.24B}: three significant digits from a thousand up. */
    public static String count(long n) {
        return scaled(n, 1000, COUNT_UNITS, "");
    }

    private static String scaled(long n, int base, String[] units, String space) {
        if (n < base) {
            return n + space + units[0];
        }
        double v = n;
        int u = 0;
        while (v >= base && u < units.length - 1) {
            v /= base;
            u++;
        }
        // Round first, so that 1023.96 KiB reads 1.00 MiB rather than 1024 KiB.
        String digits = v >= 99.95 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 9.995 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
        if (Double.parseDouble(digits) >= base && u < units.length - 1) {
            digits = "1.00";
            u++;
        }
        return digits + space + units[u];
    }

    /**
     * A value in at most six significant digits without trailing zeros: {@code 0.0198}, {@code -3},
     * {@code 1.5e-05}, {@code 12345.7}; {@code nan}, {@code inf}, {@code -inf} for the others, {@code -} for none.
     */
    public static String value(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e6) {
            return Long.toString((long) v);
        }
        String s = String.format(Locale.ROOT, "%.6g", v);
        int e = s.indexOf('e');
        String mantissa = e < 0 ? s : s.substring(0, e);
        String exponent = e < 0 ? "" : s.substring(e);
        if (mantissa.indexOf('.') >= 0) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return mantissa + exponent;
    }

    /** A fraction as a percentage: {@code 0%}, {@code 0.01%}, {@code 12.5%}, {@code 100%}. */
    public static String percent(double f) {
        if (Double.isNaN(f)) {
            return "-";
        }
        if (f == 0 || f == 1) {
            return f == 0 ? "0%" : "100%";
        }
        double p = 100 * f;
        String s = p < 0.01 ? "<0.01" : p > 99.99 ? ">99.99" : value(Math.round(p * 100) / 100.0);
        return s + "%";
    }

    /** A double as a JSON value: the shortest text that reads back exactly, or {@code "nan"}, {@code "inf"}, {@code "-inf"}. */
    public static String json(double v) {
        if (Double.isNaN(v)) {
            return "\"nan\"";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "\"inf\"" : "\"-inf\"";
        }
        return Double.toString(v);
    }
}
