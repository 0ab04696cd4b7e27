package dev.safetensors.hub.internal;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.hub.HfUri;
import dev.safetensors.hub.internal.cache.CacheLayout;
import dev.safetensors.hub.internal.http.ParallelRanges;
import dev.safetensors.hub.internal.http.RangeReader;
import dev.safetensors.hub.internal.http.Transport;
import java.io.IOException;
import java.net.URI;

/**
 * What every part of a client shares: the transport (endpoint, token, retries), the bound on parallel
 * requests, and the cache.
 *
 * @param headBytes how many bytes the first, speculative read of a file asks for
 */
public record HubContext(Transport transport, RangeReader reader, ParallelRanges ranges, CacheLayout cache,
        int headBytes) {

    public URI endpoint() {
        return transport.endpoint();
    }

    public boolean offline() {
        return transport.offline();
    }

    /** The download address of a file at a revision. */
    public URI resolveUrl(HfUri file, String revision) {
        return HubUrls.resolve(endpoint(), file, revision);
    }

    /** A failed network operation as the library's exception, keeping the HTTP error as its cause. */
    public static SafeTensorsException ioError(String source, String action, IOException e) {
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, source, action + ": " + e.getMessage(), e);
    }
}
