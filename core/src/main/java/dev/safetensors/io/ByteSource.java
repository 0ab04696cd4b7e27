package dev.safetensors.io;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Where the bytes of one safetensors file come from: a mapped file, positional reads, or (in other
 * modules) a remote object. The header parser, tensor views and loaders only ever talk to this interface.
 *
 * <p>Implementations are safe for concurrent {@link #read} calls. After {@link #close()}, reads fail with a
 * {@link dev.safetensors.SafeTensorsException} of kind {@code IoError}, never with a JVM crash.
 *
 * <pre>{@code
 * try (ByteSource src = PositionalFileSource.open(Path.of("model.safetensors"))) {
 *     MemorySegment first8 = Arena.ofAuto().allocate(8);
 *     src.read(0, first8);
 * }
 * }</pre>
 */
public interface ByteSource extends AutoCloseable {

    /** Total number of bytes. */
    long size();

    /**
     * Fills {@code dst} entirely with the bytes starting at {@code position}.
     *
     * @throws dev.safetensors.SafeTensorsException of kind {@code IoError} when the bytes cannot be read,
     *         the range runs past {@link #size()}, or the source is closed
     */
    void read(long position, MemorySegment dst);

    /** The whole source as one read-only mapped segment, when this source is a mapping. */
    default Optional<MemorySegment> mapping() {
        return Optional.empty();
    }

    /** What to call this source in messages: usually the file path. */
    String description();

    /** Releases the file (and the mapping, when this source owns it). Idempotent. */
    @Override
    void close();
}
