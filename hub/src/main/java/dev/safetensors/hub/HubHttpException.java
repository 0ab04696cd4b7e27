package dev.safetensors.hub;

import java.io.IOException;
import java.util.Optional;

/**
 * An HTTP error answer from the Hub or a file server. It reaches callers as the cause of a
 * {@link dev.safetensors.SafeTensorsException} of kind {@code IoError}, so code can tell a missing file from a
 * missing repository or a refused token by the Hub's own error code ({@code X-Error-Code}).
 *
 * <pre>{@code
 * try (Checkpoint c = hub.open(HfUri.parse("hf://org/model/missing.safetensors"))) {
 *     ...
 * } catch (SafeTensorsException e) {
 *     if (e.getCause() instanceof HubHttpException h && h.errorCode().equals(Optional.of("EntryNotFound"))) { ... }
 * }
 * }</pre>
 */
public final class HubHttpException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The HTTP status. */
    private final int status;
    /** The Hub's {@code X-Error-Code}, or null. */
    private final String errorCode;
    /** The address asked for, without its query. */
    private final String url;

    /**
     * An error answer.
     *
     * @param status    the HTTP status
     * @param errorCode the Hub's {@code X-Error-Code} ({@code EntryNotFound}, {@code RepoNotFound},
     *                  {@code RevisionNotFound}, {@code GatedRepo}), or null
     * @param url       the address asked for, without its query (signed addresses carry credentials there)
     * @param message   what went wrong, for people
     */
    public HubHttpException(int status, String errorCode, String url, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
        this.url = url;
    }

    /** {@return the HTTP status, e.g. 404} */
    public int status() {
        return status;
    }

    /** {@return the Hub's {@code X-Error-Code}, when it sent one} */
    public Optional<String> errorCode() {
        return Optional.ofNullable(errorCode);
    }

    /** {@return the address asked for, without its query} */
    public String url() {
        return url;
    }

    /** {@return whether the file (not the repository) is missing: {@code 404} with {@code EntryNotFound}} */
    public boolean entryNotFound() {
        return "EntryNotFound".equals(errorCode);
    }
}
