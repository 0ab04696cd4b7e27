package dev.safetensors.hub.internal.http;

import dev.safetensors.hub.HubHttpException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.OptionalLong;

/**
 * Reads a byte range of a remote file into a {@link Sink}, whatever the connection does: a body cut short is
 * resumed from the first missing byte at once (the retry budget starts again whenever bytes arrive, as in the
 * Python client's {@code http_get}; answers without a byte wait and count against it); a server that answers a range with the whole file ({@code 200}) is read through,
 * skipping what comes before the range and stopping after it, so nothing is buffered but one read buffer; a
 * {@code 206} must say in {@code Content-Range} that it starts where asked. The total size is checked against
 * every answer, so a file that changed or a server that promises less than it holds is an error, not a mix.
 */
public final class RangeReader {
    private static final int BUFFER = 1 << 18;

    /** Receives the bytes, in order, with their position in the file. */
    @FunctionalInterface
    public interface Sink {
        void accept(long position, ByteBuffer bytes) throws IOException;
    }

    private final Transport transport;

    public RangeReader(Transport transport) {
        this.transport = transport;
    }

    public Transport transport() {
        return transport;
    }

    /**
     * Copies bytes {@code [start, end)} of {@code url} into {@code sink}.
     *
     * @param size the file's size, checked against each answer
     * @throws IOException when the range cannot be read within the retry budget, the server's answers
     *         contradict the size, or the thread is interrupted
     */
    public void read(URI url, long start, long end, long size, Sink sink) throws IOException {
        long[] at = {start};   // advanced by copy as bytes reach the sink, even when the body then fails
        int failures = 0;
        byte[] buffer = new byte[(int) Math.min(BUFFER, Math.max(1, end - start))];
        while (at[0] < end) {
            long before = at[0];
            IOException failure;
            try (Exchange x = transport.get(url, at[0], end - 1, h -> false)) {
                copy(x, at, end, size, buffer, sink);
                failure = at[0] < end ? new IOException("the body ended at byte " + at[0] + " of " + size) : null;
            } catch (HubHttpException | java.io.InterruptedIOException e) {
                throw e;
            } catch (RangeMismatch e) {
                throw new IOException(e.getMessage(), e);
            } catch (IOException e) {
                failure = e;
            }
            if (failure == null) {
                return;
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new java.io.InterruptedIOException("interrupted while reading " + Transport.describe(url));
            }
            if (at[0] > before) {
                failures = 0;   // bytes arrived: a cut connection or a shorter range; ask for the rest at once
                continue;
            }
            failures++;
            if (failures > transport.retry().maxRetries()) {
                throw new IOException("cannot read bytes " + start + ".." + end + " of " + Transport.describe(url)
                        + ": " + Transport.reason(failure) + " (stuck at byte " + at[0] + " after " + failures
                        + " tries)", failure);
            }
            transport.retry().pause(failures - 1, null);
        }
    }

    /** Copies what one answer holds of {@code [at[0], end)}, advancing {@code at[0]}. */
    private static void copy(Exchange x, long[] at, long end, long size, byte[] buffer, Sink sink) throws IOException {
        long bodyStart;
        long stop = end;   // what this answer may give: a 206 holds only what its Content-Range names
        if (x.status() == 206) {
            ContentRange r = ContentRange.parse(x.header("Content-Range").orElse(null));
            if (r == null || r.first() != at[0] || (r.total() >= 0 && r.total() != size)) {
                throw new RangeMismatch("asked for bytes from " + at[0] + " of a " + size + "-byte file and got `"
                        + x.header("Content-Range").orElse("no Content-Range") + "` from " + Transport.describe(x.url())
                        + "; the file changed or the server is wrong");
            }
            bodyStart = at[0];
            stop = Math.min(end, r.last() + 1);
        } else if (x.status() == 200) {
            OptionalLong length = x.contentLength();
            if (length.isPresent() && length.getAsLong() != size) {
                throw new RangeMismatch(Transport.describe(x.url()) + " sent the whole file as " + length.getAsLong()
                        + " bytes, but it has " + size + "; the file changed or the server is wrong");
            }
            bodyStart = 0;   // the server ignored Range: skip to the range, stop after it
        } else {
            throw new RangeMismatch("asked for bytes " + at[0] + ".." + end + " of " + Transport.describe(x.url())
                    + " and got status " + x.status());
        }
        InputStream in = x.body();
        long pos = bodyStart;
        while (pos < at[0]) {
            long skipped = in.skip(at[0] - pos);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException("the body ended at byte " + pos + ", before byte " + at[0]);
                }
                skipped = 1;
            }
            pos += skipped;
        }
        while (pos < stop) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, stop - pos));
            if (n < 0) {
                return;
            }
            sink.accept(pos, ByteBuffer.wrap(buffer, 0, n));
            pos += n;
            at[0] = pos;
        }
    }

    /** The server's answer does not fit the request; retrying would not help. */
    private static final class RangeMismatch extends IOException {
        private static final long serialVersionUID = 1L;

        RangeMismatch(String message) {
            super(message);
        }
    }
}
