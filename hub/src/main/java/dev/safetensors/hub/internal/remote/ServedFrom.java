package dev.safetensors.hub.internal.remote;

import dev.safetensors.hub.HubHttpException;
import dev.safetensors.hub.internal.http.RangeReader;
import dev.safetensors.hub.internal.http.Transport;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;

/**
 * Where a remote file's bytes are served from, asked for again when it stops working: the Hub redirects to signed
 * file-server addresses that expire, so a file read for longer than their lifetime (a server loading lazily, a long
 * download) would otherwise fail half-way. A {@code 401}, {@code 403}, {@code 404} or {@code 410} from the
 * file server sends one new request to the address first asked for; the file must still have the same size and
 * ETag, else the error says it changed.
 */
public final class ServedFrom {
    private final Transport transport;
    private final RemoteFile file;
    private volatile URI location;

    public ServedFrom(Transport transport, RemoteFile file) {
        this.transport = transport;
        this.file = file;
        this.location = file.location();
    }

    /**
     * Reads bytes {@code [first, end)} into the sink (positions are absolute, so bytes read again after a refresh
     * land where they did before).
     */
    public void read(RangeReader reader, long first, long end, RangeReader.Sink sink) throws IOException {
        URI at = location;
        try {
            reader.read(at, first, end, file.size(), sink);
        } catch (HubHttpException e) {
            if (!expired(e.status()) || at.equals(file.requested())) {
                throw e;
            }
            refresh(at);
            reader.read(location, first, end, file.size(), sink);
        }
    }

    private static boolean expired(int status) {
        return status == 401 || status == 403 || status == 404 || status == 410;
    }

    private synchronized void refresh(URI failed) throws IOException {
        if (!location.equals(failed)) {
            return;   // another reader refreshed it meanwhile
        }
        RemoteFile again = RemoteFile.probe(transport, file.requested(), 1, h -> false);
        if (again.size() != file.size() || !Objects.equals(again.etag(), file.etag())) {
            throw new IOException(Transport.describe(file.requested()) + " changed while it was read: now "
                    + again.size() + " bytes with ETag " + again.etag() + ", before " + file.size() + " bytes with "
                    + file.etag());
        }
        location = again.location();
    }
}
