package dev.safetensors.cli;

import dev.safetensors.DType;
import dev.safetensors.convert.FloatEncoder;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Dtype names as people type them: the format's names in any case ({@code bf16}, {@code F8_E4M3}), {@code fp}
 * for {@code F} ({@code fp16}, {@code fp8_e5m2}), and PyTorch's and NumPy's names ({@code float16},
 * {@code bfloat16}, {@code float8_e4m3fn}, {@code half}).
 */
final class DTypeNames {
    private DTypeNames() {
    }

    /** The dtype {@code text} names, if it names one. */
    static Optional<DType> parse(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        t = switch (t) {
            case "HALF", "FLOAT16" -> "F16";
            case "FLOAT", "FLOAT32", "SINGLE" -> "F32";
            case "DOUBLE", "FLOAT64" -> "F64";
            case "BFLOAT16" -> "BF16";
            case "FLOAT8_E4M3FN", "FLOAT8_E4M3" -> "F8_E4M3";
            case "FLOAT8_E5M2" -> "F8_E5M2";
            case "FLOAT8_E4M3FNUZ" -> "F8_E4M3FNUZ";
            case "FLOAT8_E5M2FNUZ" -> "F8_E5M2FNUZ";
            default -> t.startsWith("FP") ? "F" + t.substring(2) : t;
        };
        for (DType d : DType.values()) {
            if (d.name().equals(t) || d.wireName().equalsIgnoreCase(t)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** The dtypes {@code convert --dtype} encodes to, in the order help lists them. */
    static List<DType> convertTargets() {
        return Arrays.stream(DType.values()).filter(FloatEncoder::canEncode).toList();
    }

    static String list(List<DType> dtypes) {
        List<String> names = dtypes.stream().map(DType::name).toList();
        return names.size() == 1 ? names.get(0)
                : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }

    /** {@code --dtype} of convert: only the dtypes it can encode. */
    static final class ConvertTarget implements ITypeConverter<DType>, Iterable<String> {
        @Override
        public DType convert(String value) {
            return parse(value).filter(FloatEncoder::canEncode).orElseThrow(() -> new TypeConversionException(
                    "`" + value + "` is not a dtype convert writes: use " + list(convertTargets())));
        }

        /** The completion candidates. */
        @Override
        public Iterator<String> iterator() {
            return convertTargets().stream().map(DType::name).iterator();
        }
    }

    /** {@code --dtype} of extract: the floating dtypes NumPy has and the encoder writes. */
    static final class NumpyFloat implements ITypeConverter<DType>, Iterable<String> {
        static final List<DType> TARGETS = List.of(DType.F32, DType.F16);

        @Override
        public DType convert(String value) {
            return parse(value).filter(TARGETS::contains).orElseThrow(() -> new TypeConversionException(
                    "`" + value + "` is not a dtype extract decodes to: use " + list(TARGETS)));
        }

        @Override
        public Iterator<String> iterator() {
            return TARGETS.stream().map(DType::name).iterator();
        }
    }
}
