package dev.safetensors.hub.testing;

import dev.safetensors.hub.HfUri;
import dev.safetensors.hub.HubClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/** A download in a process of its own: {@code ENDPOINT CACHE URI CHUNK CONNECTIONS}; prints the path. */
public final class DownloadMain {
    private DownloadMain() {
    }

    public static void main(String[] args) {
        try (HubClient hub = HubClient.builder().endpoint(URI.create(args[0])).token(null).cacheDir(Path.of(args[1]))
                .offline(false).chunkSize(Long.parseLong(args[3])).connections(Integer.parseInt(args[4]))
                .timeout(Duration.ofSeconds(60)).build()) {
            System.out.println(hub.download(HfUri.parse(args[2])));
        }
    }
}
