package dev.safetensors.internal.load;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts a piece's byte runs (in destination order) into chunks of at most {@code chunkBytes}: long runs are
 * split, short ones gathered, so a column slice of a weight becomes a few large copies rather than one per
 * row.
 */
public final class Chunker {
    private final int piece;
    private final long chunkBytes;
    private final List<Chunk> out;
    private long dst;
    private long chunkStart;
    private long chunkBytesSoFar;
    private long[] offsets = new long[8];
    private long[] lengths = new long[8];
    private int runs;

    public Chunker(int piece, long chunkBytes, List<Chunk> out) {
        this.piece = piece;
        this.chunkBytes = chunkBytes;
        this.out = out;
    }

    /** Adds the run {@code [offset, offset + length)} of the tensor's bytes. */
    public void run(long offset, long length) {
        while (length > 0) {
            long room = chunkBytes - chunkBytesSoFar;
            long take = Math.min(room, length);
            if (runs == offsets.length) {
                offsets = Arrays.copyOf(offsets, runs * 2);
                lengths = Arrays.copyOf(lengths, runs * 2);
            }
            offsets[runs] = offset;
            lengths[runs] = take;
            runs++;
            chunkBytesSoFar += take;
            dst += take;
            offset += take;
            length -= take;
            if (chunkBytesSoFar == chunkBytes) {
                flush();
            }
        }
    }

    /** Ends the piece; a piece without bytes still gets one (empty) chunk, so it is allocated and yielded. */
    public void finish() {
        if (runs > 0 || out.isEmpty() || out.get(out.size() - 1).piece() != piece) {
            flush();
        }
    }

    private void flush() {
        out.add(new Chunk(piece, chunkStart, chunkBytesSoFar, Arrays.copyOf(offsets, runs), Arrays.copyOf(lengths, runs)));
        chunkStart = dst;
        chunkBytesSoFar = 0;
        runs = 0;
    }

    /** All chunks of many pieces, with a fresh chunker per piece. */
    public static List<Chunk> newList() {
        return new ArrayList<>();
    }
}
