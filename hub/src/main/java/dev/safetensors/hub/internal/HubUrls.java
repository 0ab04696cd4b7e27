package dev.safetensors.hub.internal;

import dev.safetensors.hub.HfUri;
import dev.safetensors.hub.RepoType;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The Hub's addresses: a file at {@code ENDPOINT/[datasets/]org/name/resolve/REVISION/PATH} (the revision
 * percent-encoded whole, slashes included; the path with its slashes kept: {@code hf_hub_url} in the Python
 * client), and a repository's file list at {@code ENDPOINT/api/models/org/name/revision/REVISION}
 * ({@code hf_api.py}: {@code model_info}, {@code dataset_info}).
 */
public final class HubUrls {
    private HubUrls() {
    }

    /** The download address of {@code file.path()} at {@code revision}. */
    public static URI resolve(URI endpoint, HfUri file, String revision) {
        return URI.create(base(endpoint) + "/" + file.type().urlPrefix() + file.repoId() + "/resolve/"
                + quote(revision, false) + "/" + quote(file.path(), true));
    }

    /** The repository description at {@code revision}: its commit ({@code sha}) and files ({@code siblings}). */
    public static URI repoInfo(URI endpoint, RepoType type, String repoId, String revision) {
        return URI.create(base(endpoint) + "/api/" + type.plural() + "/" + repoId + "/revision/" + quote(revision, false));
    }

    private static String base(URI endpoint) {
        return endpoint.toString().replaceAll("/+$", "");
    }

    /**
     * Percent-encoding as Python's {@code urllib.parse.quote}: letters, digits and {@code _.-~} stay, and the
     * slash when {@code keepSlash}; every other byte of the UTF-8 form becomes {@code %XX}.
     */
    public static String quote(String s, boolean keepSlash) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '-' || c == '~' || (keepSlash && c == '/');
            if (plain) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }
}
