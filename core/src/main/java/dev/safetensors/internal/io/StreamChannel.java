package dev.safetensors.internal.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

/**
 * An {@link OutputStream} seen as a channel that never closes it. {@code Channels.newChannel} is no fit for a
 * caller's stream: its channel is interruptible, so a write by a thread whose interrupt status is set (a cancelled
 * task) closes the caller's stream (finishing a zip, ending an HTTP body) and, for a {@code FileOutputStream},
 * closes its file. Here an interrupt is left to the stream; {@link #close()} does nothing.
 *
 * <pre>{@code
 * writer.writeTo(new StreamChannel(body));
 * }</pre>
 */
public final class StreamChannel implements WritableByteChannel {
    /** Bytes copied at a time out of a buffer with no array (off-heap). */
    private static final int CHUNK = 64 << 10;

    private final OutputStream out;
    private byte[] chunk;

    /** A channel writing to {@code out}, which it never flushes or closes. */
    public StreamChannel(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out must be non-null");
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int n = src.remaining();
        if (src.hasArray()) {
            out.write(src.array(), src.arrayOffset() + src.position(), n);
            src.position(src.limit());
            return n;
        }
        if (chunk == null) {
            chunk = new byte[Math.min(CHUNK, Math.max(n, 1))];
        }
        while (src.hasRemaining()) {
            int k = Math.min(chunk.length, src.remaining());
            src.get(chunk, 0, k);
            out.write(chunk, 0, k);
        }
        return n;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    /** Does nothing: the stream belongs to the caller. */
    @Override
    public void close() {
    }
}
