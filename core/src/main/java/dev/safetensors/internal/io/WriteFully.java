package dev.safetensors.internal.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Writes a whole buffer to a caller's channel. A channel in non-blocking mode may take nothing (its peer is slow),
 * and a loop until the buffer is empty would then spin, burning a core, for as long as the peer does not read:
 * such a channel is refused, as {@code Channels.newOutputStream} refuses it, before the first byte.
 *
 * <pre>{@code
 * WriteFully.requireBlocking(out);
 * WriteFully.write(out, buffer);
 * }</pre>
 */
public final class WriteFully {
    private WriteFully() {
    }

    /**
     * Refuses a channel in non-blocking mode.
     *
     * @throws IllegalBlockingModeException when {@code out} is a selectable channel in non-blocking mode
     */
    public static void requireBlocking(WritableByteChannel out) {
        if (out instanceof SelectableChannel selectable && !selectable.isBlocking()) {
            throw new IllegalBlockingModeException();
        }
    }

    /**
     * Writes every remaining byte of {@code src} to {@code out}.
     *
     * @throws IllegalBlockingModeException when {@code out} takes nothing because it was made non-blocking meanwhile
     * @throws IOException when the channel fails
     */
    public static void write(WritableByteChannel out, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            if (out.write(src) == 0) {
                requireBlocking(out);
            }
        }
    }
}
