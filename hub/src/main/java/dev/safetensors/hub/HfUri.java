package dev.safetensors.hub;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A location on the Hub: {@code hf://[models/|datasets/|spaces/]namespace/name[@revision][/path]}, the grammar of
 * the Python client's {@code parse_hf_uri} ({@code docs/source/en/package_reference/hf_uris.md}).
 *
 * <p>The revision is a branch, tag or commit; {@code refs/pr/N} and {@code refs/convert/NAME} keep their
 * slashes, any other slash in a revision is written {@code %2F}. An {@code @} after the repository id's two
 * segments belongs to the path. Repository ids follow the Hub's rules (letters, digits, {@code _ . -}, at most 96
 * characters a name, no {@code --} or {@code ..}); paths may not leave the repository ({@code ..}, empty
 * segments, backslashes).
 *
 * <pre>{@code
 * HfUri uri = HfUri.parse("hf://datasets/org/corpus@v1.0/shards/train.safetensors");
 * uri.type();          // DATASET
 * uri.repoId();        // "org/corpus"
 * uri.revision();      // Optional[v1.0]
 * uri.path();          // "shards/train.safetensors"
 * uri.withPath("config.json").toString();   // "hf://datasets/org/corpus@v1.0/config.json"
 * }</pre>
 *
 * @param type     model, dataset or space
 * @param repoId   {@code namespace/name}
 * @param revision the revision, or null for the default branch ({@code main})
 * @param path     a file or folder in the repository, or empty for the repository itself
 */
public record HfUri(RepoType type, String repoId, String revision, String path) {
    /** The prefix of every Hub URI. */
    public static final String SCHEME_PREFIX = "hf://";
    /** The branch a revision-less URI means. */
    public static final String DEFAULT_REVISION = "main";

    private static final Pattern SPECIAL_REF = Pattern.compile("^refs/(?:convert/[\\w.-]+|pr/\\d+)");
    private static final Pattern ID_PART = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    /**
     * Checks the parts as the Hub does: repository id, revision and path.
     *
     * @throws NullPointerException     when {@code type} or {@code repoId} is null
     * @throws IllegalArgumentException naming the rule broken
     */
    public HfUri {
        Objects.requireNonNull(type, "type must be non-null");
        Objects.requireNonNull(repoId, "repoId must be non-null");
        path = path == null ? "" : path;
        checkRepoId(repoId, repoId);
        if (revision != null) {
            checkRevision(revision, repoId);
        }
        if (!path.isEmpty()) {
            checkPath(path, repoId);
        }
    }

    /**
     * Parses {@code hf://[datasets/|spaces/]namespace/name[@revision][/path]}.
     *
     * @param uri the text
     * @return its parts
     * @throws IllegalArgumentException naming the rule broken, for anything that is not a Hub URI
     */
    public static HfUri parse(String uri) {
        Objects.requireNonNull(uri, "uri must be non-null");
        if (!uri.startsWith(SCHEME_PREFIX)) {
            throw invalid(uri, "must start with hf:// (hf://[datasets/]namespace/name[@revision][/path])");
        }
        String body = strip(uri.substring(SCHEME_PREFIX.length()));
        RepoType type = RepoType.MODEL;
        int slash = body.indexOf('/');
        if (slash > 0) {
            String first = body.substring(0, slash);
            RepoType named = RepoType.fromPlural(first);
            if (named != null) {
                type = named;
                body = strip(body.substring(slash + 1));
            } else if (first.equals("buckets") || first.equals("kernels")) {
                throw invalid(uri, first + " are not supported; only models, datasets and spaces hold checkpoints");
            } else if (first.equals("model") || first.equals("dataset") || first.equals("space")) {
                throw invalid(uri, "the type prefix is plural: " + first + "s/");
            }
        } else if (RepoType.fromPlural(body) != null) {
            throw invalid(uri, "a repository id (namespace/name) must follow " + body + "/");
        }
        if (body.isEmpty()) {
            throw invalid(uri, "the repository id (namespace/name) is missing");
        }
        // '@' marks the revision only right after namespace/name; deeper it is part of a file name.
        int at = body.indexOf('@');
        if (at < 0 || count(body.substring(0, at), '/') > 1) {
            String[] parts = body.split("/", 3);
            if (parts.length < 2) {
                throw invalid(uri, "the repository id must be namespace/name, got `" + body + "`");
            }
            return create(uri, type, parts[0] + "/" + parts[1], null, parts.length > 2 ? parts[2] : "");
        }
        String repoId = body.substring(0, at);
        if (count(repoId, '/') != 1) {
            throw invalid(uri, "the repository id must be namespace/name, got `" + repoId + "`");
        }
        String rest = body.substring(at + 1);
        Matcher special = SPECIAL_REF.matcher(rest);
        String revision;
        String path;
        if (special.find()) {
            revision = special.group();
            path = rest.substring(revision.length());
            if (!path.isEmpty() && !path.startsWith("/")) {
                throw invalid(uri, "a path must follow the revision `" + revision + "` after a /");
            }
            path = path.isEmpty() ? "" : path.substring(1);
        } else {
            int s = rest.indexOf('/');
            revision = unquote(s < 0 ? rest : rest.substring(0, s), false);
            path = s < 0 ? "" : rest.substring(s + 1);
        }
        if (revision.isEmpty()) {
            throw invalid(uri, "the revision after @ is empty");
        }
        return create(uri, type, repoId, revision, path);
    }

    /**
     * {@return the Hub URI a {@link URI} with scheme {@code hf} names; its path is percent-decoded}
     *
     * @param uri an {@code hf:} URI
     * @throws IllegalArgumentException for another scheme, or as {@link #parse}
     */
    public static HfUri of(URI uri) {
        if (!"hf".equalsIgnoreCase(uri.getScheme())) {
            throw invalid(uri.toString(), "the scheme must be hf");
        }
        // The raw text, not getPath(): an '@' in the name segment makes java.net.URI see user info. An encoded
        // slash stays encoded, since in a revision it is not a separator.
        String raw = uri.getRawSchemeSpecificPart().replaceFirst("^//", "");
        return parse(SCHEME_PREFIX + unquote(raw, true));
    }

    private static HfUri create(String uri, RepoType type, String repoId, String revision, String path) {
        try {
            return new HfUri(type, repoId, revision, path);
        } catch (IllegalArgumentException e) {
            throw invalid(uri, e.getMessage());
        }
    }

    /** {@return the revision, if the URI names one} */
    public Optional<String> revisionIfSet() {
        return Optional.ofNullable(revision);
    }

    /** {@return the revision to ask the Hub for: the one given, else {@code main}} */
    public String revisionOrDefault() {
        return revision == null ? DEFAULT_REVISION : revision;
    }

    /** {@return whether the revision is a full commit hash (40 lowercase hex digits), which never moves} */
    public boolean pinned() {
        return revision != null && COMMIT.matcher(revision).matches();
    }

    /**
     * {@return the same repository and revision, another path}
     *
     * @param newPath a file or folder in the repository, or empty
     */
    public HfUri withPath(String newPath) {
        return new HfUri(type, repoId, revision, newPath);
    }

    /**
     * {@return the same repository and path at another revision}
     *
     * @param newRevision a branch, tag or commit, or null for the default branch
     */
    public HfUri withRevision(String newRevision) {
        return new HfUri(type, repoId, newRevision, path);
    }

    /** {@return the folder of {@link #path()}: {@code "a/b"} for {@code "a/b/c.json"}, empty at the root} */
    public String parentPath() {
        int s = path.lastIndexOf('/');
        return s < 0 ? "" : path.substring(0, s);
    }

    /** The URI as {@link #parse} reads it, with the type prefix only for datasets and spaces. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(SCHEME_PREFIX).append(type.urlPrefix()).append(repoId);
        if (revision != null) {
            boolean special = SPECIAL_REF.matcher(revision).matches();
            sb.append('@').append(special ? revision : revision.replace("/", "%2F"));
        }
        if (!path.isEmpty()) {
            sb.append('/').append(path);
        }
        return sb.toString();
    }

    // Repository ids as the Python client's validate_repo_id allows them (utils/_validators.py).
    private static void checkRepoId(String id, String context) {
        int slash = id.indexOf('/');
        if (slash < 0 || slash != id.lastIndexOf('/')
                || !ID_PART.matcher(id.substring(0, slash)).matches()
                || !ID_PART.matcher(id.substring(slash + 1)).matches()) {
            throw new IllegalArgumentException("the repository id must be namespace/name of letters, digits, `_`, `.`"
                    + " and `-` (not first or last, at most 96 each), got `" + context + "`");
        }
        if (id.contains("--") || id.contains("..") || id.endsWith(".git")) {
            throw new IllegalArgumentException("the repository id may not contain `--` or `..` nor end in .git: `"
                    + id + "`");
        }
    }

    private static void checkRevision(String revision, String repoId) {
        if (revision.isEmpty() || hasBadSegment(revision) || revision.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
            throw new IllegalArgumentException("revision `" + revision + "` of " + repoId
                    + " is not a branch, tag or commit name (empty, `.`, `..` or control characters)");
        }
    }

    // The same refusals as the Python client's _validate_relative_filename: the path is joined to local folders.
    private static void checkPath(String path, String repoId) {
        if (hasBadSegment(path) || path.indexOf('\\') >= 0 || path.indexOf(':') >= 0
                || path.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
            throw new IllegalArgumentException("path `" + path + "` in " + repoId + " must stay inside the repository:"
                    + " no empty, `.` or `..` segments, backslashes, colons or control characters");
        }
    }

    private static boolean hasBadSegment(String s) {
        for (String seg : s.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                return true;
            }
        }
        return false;
    }

    /** Percent-decoding as Python's {@code unquote} (UTF-8; {@code +} stays), optionally keeping {@code %2F}. */
    private static String unquote(String s, boolean keepSlash) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int plain = 0;   // start of the text not yet copied
        for (int i = 0; i + 2 < s.length(); i++) {
            if (s.charAt(i) == '%' && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2))) {
                int value = HexFormat.fromHexDigits(s, i + 1, i + 3);
                if (!(keepSlash && value == '/')) {
                    out.writeBytes(s.substring(plain, i).getBytes(StandardCharsets.UTF_8));
                    out.write(value);
                    plain = i + 3;
                }
                i += 2;
            }
        }
        out.writeBytes(s.substring(plain).getBytes(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    private static String strip(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && s.charAt(b) == '/') {
            b++;
        }
        while (e > b && s.charAt(e - 1) == '/') {
            e--;
        }
        return s.substring(b, e);
    }

    private static int count(String s, char c) {
        return (int) s.chars().filter(x -> x == c).count();
    }

    private static IllegalArgumentException invalid(String uri, String why) {
        return new IllegalArgumentException("invalid Hub URI `" + uri + "`: " + why);
    }
}
