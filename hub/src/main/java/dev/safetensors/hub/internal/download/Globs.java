package dev.safetensors.hub.internal.download;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Include and exclude patterns as the Python client applies them to repository paths
 * ({@code utils/_paths.py}: {@code filter_repo_objects}): Python's {@code fnmatchcase} over the whole path, where
 * {@code *} matches any run of characters, slashes included, {@code ?} one character, {@code [seq]} and
 * {@code [!seq]} a set; a pattern ending in {@code /} means everything below that folder; backslashes are slashes.
 * A path is kept when no include list is given or an include pattern matches, and no exclude pattern does.
 */
public final class Globs {
    private final List<Pattern> include;
    private final List<Pattern> exclude;

    public Globs(List<String> include, List<String> exclude) {
        this.include = include.isEmpty() ? null : include.stream().map(Globs::compile).toList();
        this.exclude = exclude.stream().map(Globs::compile).toList();
    }

    public boolean keeps(String path) {
        String p = path.replace('\\', '/');
        return (include == null || include.stream().anyMatch(g -> g.matcher(p).matches()))
                && exclude.stream().noneMatch(g -> g.matcher(p).matches());
    }

    static Pattern compile(String glob) {
        String g = glob.replace('\\', '/');
        try {
            return Pattern.compile(translate(g.endsWith("/") ? g + "*" : g), Pattern.DOTALL);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid pattern `" + glob + "`: " + e.getDescription());
        }
    }

    /** fnmatch's translation to a regular expression (CPython {@code fnmatch.translate}). */
    static String translate(String pat) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        int n = pat.length();
        while (i < n) {
            char c = pat.charAt(i++);
            switch (c) {
                case '*' -> {
                    while (i < n && pat.charAt(i) == '*') {
                        i++;
                    }
                    re.append(".*");
                }
                case '?' -> re.append('.');
                case '[' -> {
                    int j = i;
                    if (j < n && pat.charAt(j) == '!') {
                        j++;
                    }
                    if (j < n && pat.charAt(j) == ']') {
                        j++;
                    }
                    while (j < n && pat.charAt(j) != ']') {
                        j++;
                    }
                    if (j >= n) {
                        re.append("\\[");   // no closing bracket: a literal [
                    } else {
                        re.append(set(pat.substring(i, j)));
                        i = j + 1;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }

    private static String set(String body) {
        boolean negate = body.startsWith("!");
        String members = negate ? body.substring(1) : body;
        if (members.isEmpty()) {
            return negate ? "." : "(?!)";   // [!] matches any one character, [] nothing (as CPython)
        }
        StringBuilder s = new StringBuilder(negate ? "[^" : "[");
        for (int k = 0; k < members.length(); k++) {
            char m = members.charAt(k);
            boolean range = m == '-' && k > 0 && k < members.length() - 1;
            if (range) {
                s.append('-');
            } else if (Character.isLetterOrDigit(m)) {
                s.append(m);
            } else {
                s.append('\\').append(m);
            }
        }
        return s.append(']').toString();
    }
}
