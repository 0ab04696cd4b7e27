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
    private static final class Shared {
        static final HubClient CLIENT = HubClient.create();
    }

    @Override
    public boolean supports(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return scheme.equals("hf") || scheme.equals("http") || scheme.equals("https");
    }

    @Override
    public Checkpoint open(URI uri, OpenOptions options) {
        if (!"hf".equalsIgnoreCase(uri.getScheme())) {
            return Shared.CLIENT.openUrl(uri, options);
        }
        HfUri hf;
        try {
            hf = HfUri.of(uri);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, uri.toString(), e.getMessage(), e);
        }
        return Shared.CLIENT.open(hf, options);
    }
}
