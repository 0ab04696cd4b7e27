package dev.safetensors.io;

import dev.safetensors.OpenOptions;
import dev.safetensors.internal.io.MappedFileSource;
import dev.safetensors.internal.io.PositionalFileSource;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the bytes of one safetensors file come from: a mapped file, positional reads, or (in other
 * modules) a remote object. The header parser, tensor views and loaders only ever talk to this interface.
 *
 * <p>Implementations are safe for concurrent {@link #read} calls. After {@link #close()}, reads fail with a
 * {@link dev.safetensors.SafeTensorsException} of kind {@code IoError}, never with a JVM crash.
 *
 * <pre>{@code
 * try (ByteSource src = ByteSource.open(Path.of("model.safetensors"), OpenOptions.defaults())) {
 *     MemorySegment first8 = Arena.ofAuto().allocate(8);
 *     src.read(0, first8);
 * }
 * }</pre>
 */
public interface ByteSource extends AutoCloseable {

    /**
     * {@return the source {@link dev.safetensors.SafeTensorsFile#open(Path, OpenOptions)} reads a local file through: a
     * mapping for {@link dev.safetensors.ReadStrategy#MMAP} (into the options' arena, if any), positional reads
     * for {@link dev.safetensors.ReadStrategy#PREAD}}
     *
     * @param path    the file
     * @param options the read strategy and arena to use
     * @throws dev.safetensors.SafeTensorsException of kind {@code IoError} when the file cannot be opened
     */
    static ByteSource open(Path path, OpenOptions options) {
        return switch (options.strategy()) {
            case MMAP -> options.arena() == null
                    ? MappedFileSource.open(path)
                    : MappedFileSource.open(path, options.arena());
            case PREAD -> PositionalFileSource.open(path);
        };
    }

    /** {@return total number of bytes} */
    long size();

    /**
     * Fills {@code dst} entirely with the bytes starting at {@code position}.
     *
     * @param position the first byte to read
     * @param dst      where the bytes go; its size is the number read
     * @throws dev.safetensors.SafeTensorsException of kind {@code IoError} when the bytes cannot be read,
     *         the range runs past {@link #size()}, or the source is closed
     */
    void read(long position, MemorySegment dst);

    /**
     * Fills {@code dst} with byte runs, one after another: run {@code i} is {@code lengths[i]} bytes at
     * {@code positions[i]}, in the order given. Slices hand their runs over in batches through this method, so a
     * source where each read costs a round trip (a remote one) can merge nearby runs into few requests; the
     * default reads them one by one.
     *
     * @param positions where each run starts in the source
     * @param lengths   each run's length, in bytes
     * @param dst       where the runs go, one after another; at least the sum of {@code lengths}
     * @throws dev.safetensors.SafeTensorsException of kind {@code IoError} as {@link #read}
     */
    default void readRuns(long[] positions, long[] lengths, MemorySegment dst) {
        long at = 0;
        for (int i = 0; i < positions.length; i++) {
            read(positions[i], dst.asSlice(at, lengths[i]));
            at += lengths[i];
        }
    }

    /** {@return the whole source as one read-only mapped segment, when this source is a mapping} */
    default Optional<MemorySegment> mapping() {
        return Optional.empty();
    }

    /** {@return what to call this source in messages: usually the file path} */
    String description();

    /** Releases the file (and the mapping, when this source owns it). Idempotent. */
    @Override
    void close();
}
