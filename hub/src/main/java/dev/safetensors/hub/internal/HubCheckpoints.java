package dev.safetensors.hub.internal;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.hub.HfUri;
import dev.safetensors.hub.HubClient;
import dev.safetensors.io.CheckpointProvider;
import java.net.URI;
import java.util.Locale;

/**
 * Opens {@code hf://} and {@code http(s)://} checkpoints for {@link Checkpoint#open(URI, OpenOptions)}, with a client
 * configured from the environment ({@code HF_ENDPOINT}, {@code HF_TOKEN}, {@code HF_HUB_CACHE},
 * {@code HF_HUB_OFFLINE}, ...), made on first use and shared by the process (an HTTP client is meant to be shared).
 */
public final class HubCheckpoints implements CheckpointProvider {
    private static HubClient shared;

    /** The process's client, made on first use; a bad environment fails each use alike, not once as a class error. */
    private static synchronized HubClient client() {
        if (shared == null) {
            shared = HubClient.create();
        }
        return shared;
    }

    @Override
    public boolean supports(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return scheme.equals("hf") || scheme.equals("http") || scheme.equals("https");
    }

    @Override
    public Checkpoint open(URI uri, OpenOptions options) {
        if (!"hf".equalsIgnoreCase(uri.getScheme())) {
            return client().openUrl(uri, options);
        }
        HfUri hf;
        try {
            hf = HfUri.of(uri);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, uri.toString(), e.getMessage(), e);
        }
        return client().open(hf, options);
    }
}
