package dev.safetensors.quant.internal.config;

import dev.safetensors.SafeTensorsException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A config's list of module names not to quantize, matched the way its producer matches them:
 * <ul>
 * <li>{@link Style#COMPRESSED_TENSORS} ({@code ignore}): an exact module name, or {@code re:} and a regex
 *     matched from the start of the name ({@code compressed_tensors/utils/match.py}, {@code match_name});</li>
 * <li>{@link Style#TRANSFORMERS} ({@code modules_to_not_convert}, {@code llm_int8_skip_modules}): a substring of
 *     the name, as older transformers tested, or a regex matched from the start, as its
 *     {@code should_convert_module} does now ({@code integrations/mxfp4.py});</li>
 * <li>{@link Style#MODELOPT} ({@code exclude_modules}, {@code ignore}): a shell wildcard ({@code fnmatch}) or a
 *     substring (vLLM's {@code ModelOptQuantConfigBase.is_layer_excluded}).</li>
 * </ul>
 * Python's named groups {@code (?P<x>…)} are read as Java's {@code (?<x>…)}.
 */
public final class ModulePatterns {
    /** Whose matching rules apply. */
    public enum Style {
        COMPRESSED_TENSORS, TRANSFORMERS, MODELOPT
    }

    private final List<String> entries;
    private final List<Pattern> patterns;   // parallel to entries; null where an entry is matched literally only
    private final Style style;

    private ModulePatterns(List<String> entries, List<Pattern> patterns, Style style) {
        this.entries = entries;
        this.patterns = patterns;
        this.style = style;
    }

    public static final ModulePatterns NONE = new ModulePatterns(List.of(), List.of(), Style.TRANSFORMERS);

    /**
     * @throws SafeTensorsException {@code InvalidQuantization} for a {@code re:} entry that is no regex
     *         (other styles fall back to literal matching, as their producers would simply never match)
     */
    public static ModulePatterns of(List<String> entries, Style style, String source, String key) {
        List<Pattern> patterns = new ArrayList<>();
        for (String e : entries) {
            patterns.add(switch (style) {
                case COMPRESSED_TENSORS -> e.startsWith("re:") ? compile(e.substring(3), source, key, e) : null;
                case TRANSFORMERS -> tryCompile(e);
                case MODELOPT -> Pattern.compile(glob(e));
            });
        }
        return new ModulePatterns(List.copyOf(entries), patterns, style);
    }

    public List<String> entries() {
        return entries;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Whether module {@code name} is excluded from quantization. */
    public boolean matches(String name) {
        for (int i = 0; i < entries.size(); i++) {
            String e = entries.get(i);
            Pattern p = patterns.get(i);
            boolean hit = switch (style) {
                case COMPRESSED_TENSORS -> p != null ? p.matcher(name).lookingAt() : e.equals(name);
                case TRANSFORMERS -> name.contains(e) || (p != null && p.matcher(name).lookingAt());
                case MODELOPT -> name.contains(e) || p.matcher(name).matches();
            };
            if (hit) {
                return true;
            }
        }
        return false;
    }

    private static Pattern compile(String regex, String source, String key, String entry) {
        try {
            return Pattern.compile(regex.replace("(?P<", "(?<"));
        } catch (PatternSyntaxException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidQuantization, source, "`" + key
                    + "` entry `" + entry + "` is not a regular expression: " + e.getDescription());
        }
    }

    private static Pattern tryCompile(String regex) {
        try {
            return Pattern.compile(regex.replace("(?P<", "(?<"));
        } catch (PatternSyntaxException e) {
            return null;
        }
    }

    /** fnmatch's translation: {@code *} any run, {@code ?} one character, {@code [...]} a set; the rest literal. */
    static String glob(String pattern) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < pattern.length()) {
            char c = pattern.charAt(i++);
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                case '[' -> {
                    int close = pattern.indexOf(']', i + 1);   // a ']' right after '[' is a member
                    if (close < 0) {
                        sb.append("\\[");
                    } else {
                        String set = pattern.substring(i, close);
                        boolean negated = set.startsWith("!");
                        String members = (negated ? set.substring(1) : set).replace("\\", "\\\\")
                                .replace("[", "\\[").replace("&", "\\&");
                        sb.append('[').append(negated ? "^" : "").append(members).append(']');
                        i = close + 1;
                    }
                }
                default -> sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return sb.toString();
    }
}
