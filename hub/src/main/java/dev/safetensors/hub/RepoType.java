package dev.safetensors.hub;

/**
 * The kinds of Hub repository a checkpoint can live in. Each has its URL prefix ({@code datasets/...}) and
 * its folder prefix in the cache ({@code datasets--org--name}), as the Python client names them
 * ({@code huggingface_hub/constants.py}: {@code REPO_TYPES_URL_PREFIXES}, {@code repo_folder_name}).
 */
public enum RepoType {
    /** A model repository: {@code hf://org/name}. */
    MODEL("models", ""),
    /** A dataset repository: {@code hf://datasets/org/name}. */
    DATASET("datasets", "datasets/"),
    /** A Space: {@code hf://spaces/org/name}. */
    SPACE("spaces", "spaces/");

    private final String plural;
    private final String urlPrefix;

    RepoType(String plural, String urlPrefix) {
        this.plural = plural;
        this.urlPrefix = urlPrefix;
    }

    /** {@return {@code models}, {@code datasets} or {@code spaces}: the {@code hf://} prefix, the API path and the cache prefix} */
    public String plural() {
        return plural;
    }

    /** {@return what precedes the repository id in file URLs: nothing for models, {@code datasets/} for datasets} */
    public String urlPrefix() {
        return urlPrefix;
    }

    /** The type named by an {@code hf://} prefix ({@code models}, {@code datasets}, {@code spaces}), or null. */
    static RepoType fromPlural(String s) {
        for (RepoType t : values()) {
            if (t.plural.equals(s)) {
                return t;
            }
        }
        return null;
    }
}
