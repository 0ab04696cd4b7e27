package dev.safetensors.hub.internal;

import dev.safetensors.SafeTensorsException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Hub settings the Python client reads from the environment, resolved the same way
 * ({@code huggingface_hub/constants.py}, {@code utils/_auth.py}), so both tools agree on the endpoint, the token
 * and the cache without configuration:
 *
 * <ul>
 *   <li>{@code HF_ENDPOINT} (trailing slashes dropped), else {@code https://huggingface.co};
 *   <li>{@code HF_HOME}, else {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface};
 *   <li>the cache: {@code HF_HUB_CACHE}, else the legacy {@code HUGGINGFACE_HUB_CACHE}, else {@code $HF_HOME/hub};
 *   <li>the token: {@code HF_TOKEN}, else the legacy {@code HUGGING_FACE_HUB_TOKEN}, else the file
 *       {@code HF_TOKEN_PATH} (default {@code $HF_HOME/token}); line breaks and surrounding blanks removed, empty
 *       means none; {@code HF_HUB_DISABLE_IMPLICIT_TOKEN} turns all of them off;
 *   <li>{@code HF_HUB_OFFLINE} (or {@code TRANSFORMERS_OFFLINE}) true: no network, the cache only;
 *   <li>{@code HF_HUB_DOWNLOAD_TIMEOUT} and {@code HF_HUB_ETAG_TIMEOUT}: seconds, 10 by default.
 * </ul>
 * Paths get {@code ~} and {@code $VAR} expanded, as Python's {@code expanduser} and {@code expandvars} do.
 */
public record HubEnvironment(URI endpoint, Optional<String> token, Path home, Path cache, boolean offline,
        Duration downloadTimeout, Duration metadataTimeout) {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");

    /** The settings of this process. */
    public static HubEnvironment current() {
        return from(System.getenv(), System.getProperty("user.home"));
    }

    /** The settings an environment gives, for a user whose home directory is {@code userHome}. */
    public static HubEnvironment from(Map<String, String> env, String userHome) {
        Path home = Path.of(expand(firstSet(env, "HF_HOME").orElse(
                firstSet(env, "XDG_CACHE_HOME").orElse(userHome + "/.cache") + "/huggingface"), env, userHome));
        Path cache = firstSet(env, "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE")
                .map(p -> Path.of(expand(p, env, userHome))).orElse(home.resolve("hub"));
        Path tokenFile = firstSet(env, "HF_TOKEN_PATH").map(p -> Path.of(expand(p, env, userHome)))
                .orElse(home.resolve("token"));
        Optional<String> token = isTrue(env.get("HF_HUB_DISABLE_IMPLICIT_TOKEN")) ? Optional.empty()
                : cleanToken(env.get("HF_TOKEN")).or(() -> cleanToken(env.get("HUGGING_FACE_HUB_TOKEN")))
                        .or(() -> readToken(tokenFile));
        String endpointText = firstSet(env, "HF_ENDPOINT").orElse(DEFAULT_ENDPOINT);
        URI endpoint;
        try {
            endpoint = endpoint(endpointText);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, "HF_ENDPOINT", e.getMessage(), e);
        }
        boolean offline = isTrue(firstSet(env, "HF_HUB_OFFLINE").orElse(env.get("TRANSFORMERS_OFFLINE")));
        return new HubEnvironment(endpoint, token, home, cache, offline,
                seconds(env, "HF_HUB_DOWNLOAD_TIMEOUT"), seconds(env, "HF_HUB_ETAG_TIMEOUT"));
    }

    /**
     * A Hub endpoint: an {@code http://} or {@code https://} address with a host, trailing slashes dropped.
     *
     * @throws IllegalArgumentException naming what is wrong, for anything else (checked here, before any request
     *         would fail on it after every retry)
     */
    public static URI endpoint(String text) {
        URI uri;
        try {
            uri = new URI(text.strip().replaceAll("/+$", ""));
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("the Hub endpoint `" + text + "` is not an address: " + e.getMessage(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("the Hub endpoint `" + text + "` must be an http:// or https:// address"
                    + " with a host (and no query), like " + DEFAULT_ENDPOINT);
        }
        return uri;
    }

    /** A token as the Python client cleans it: line breaks removed, blanks trimmed, empty is none. */
    public static Optional<String> cleanToken(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String t = raw.replace("\r", "").replace("\n", "").strip();
        return t.isEmpty() ? Optional.empty() : Optional.of(t);
    }

    private static Optional<String> readToken(Path file) {
        try {
            return Files.isRegularFile(file) ? cleanToken(Files.readString(file, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();   // an unreadable token file is no token, as a missing one
        }
    }

    private static boolean isTrue(String v) {
        return v != null && TRUE.contains(v.toUpperCase(Locale.ROOT));
    }

    private static Duration seconds(Map<String, String> env, String name) {
        try {
            return firstSet(env, name).map(v -> Duration.ofMillis((long) (Double.parseDouble(v) * 1000)))
                    .filter(d -> d.isPositive()).orElse(Duration.ofSeconds(10));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(10);
        }
    }

    // Python's os.getenv returns "" for a variable set to empty, which then wins over the default; an empty
    // path or endpoint is useless, so here an empty variable counts as unset.
    private static Optional<String> firstSet(Map<String, String> env, String... names) {
        for (String n : names) {
            String v = env.get(n);
            if (v != null && !v.isEmpty()) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /** {@code ~} then {@code $VAR} / {@code ${VAR}} expansion; unknown variables stay as written, as in Python. */
    static String expand(String path, Map<String, String> env, String userHome) {
        String p = path.equals("~") || path.startsWith("~/") ? userHome + path.substring(1) : path;
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c != '$' || i + 1 >= p.length()) {
                out.append(c);
                i++;
                continue;
            }
            boolean braced = p.charAt(i + 1) == '{';
            int start = i + (braced ? 2 : 1);
            int end = start;
            while (end < p.length() && (Character.isLetterOrDigit(p.charAt(end)) || p.charAt(end) == '_')) {
                end++;
            }
            boolean closed = !braced || (end < p.length() && p.charAt(end) == '}');
            String name = p.substring(start, end);
            if (name.isEmpty() || !closed || !env.containsKey(name)) {
                out.append(c);
                i++;
                continue;
            }
            out.append(env.get(name));
            i = braced ? end + 1 : end;
        }
        return out.toString();
    }
}
