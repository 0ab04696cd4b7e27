package dev.safetensors.torch.internal.pickle;

import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The bytes of one pickle stream: a bounds-checked cursor over a (mapped) segment. Every length a pickle
 * declares is compared with what remains before anything is allocated, and reads honour protocol 4
 * frames (a read may not straddle the end of a frame, as in CPython's unframer).
 */
final class PickleInput {
    private static final ValueLayout.OfDouble F64_BIG = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final MemorySegment bytes;
    private final long end;
    private long position;
    private long frameEnd = -1;

    /** Reads {@code bytes} from {@code start} up to {@code end} (the stream must STOP before it). */
    PickleInput(MemorySegment bytes, long start, long end) {
        this.bytes = bytes;
        this.position = start;
        this.end = end;
    }

    long position() {
        return position;
    }

    long remaining() {
        return end - position;
    }

    boolean atEnd() {
        return position >= end;
    }

    int u8() {
        take(1, "1 byte");
        return bytes.get(ValueLayout.JAVA_BYTE, position++) & 0xFF;
    }

    int u16() {
        take(2, "2 bytes");
        int v = bytes.get(LittleEndian.SHORT, position) & 0xFFFF;
        position += 2;
        return v;
    }

    int i32() {
        take(4, "4 bytes");
        int v = bytes.get(LittleEndian.INT, position);
        position += 4;
        return v;
    }

    long u32() {
        return i32() & 0xFFFFFFFFL;
    }

    long i64() {
        take(8, "8 bytes");
        long v = bytes.get(LittleEndian.LONG, position);
        position += 8;
        return v;
    }

    double f64BigEndian() {
        take(8, "8 bytes");
        double v = bytes.get(F64_BIG, position);
        position += 8;
        return v;
    }

    /** {@code n} bytes (n already checked against the limits by the caller). */
    byte[] bytes(long n) {
        if (n < 0) {
            throw PickleError.malformed("declares a negative length " + n);
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw PickleError.malformed("declares " + n + " bytes, more than a Java array holds");
        }
        take(n, n + " bytes");
        byte[] out = new byte[(int) n];
        MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, position, out, 0, (int) n);
        position += n;
        return out;
    }

    /** Checks that {@code n} declared bytes are there, before the caller allocates anything for them. */
    void require(long n) {
        if (n < 0 || n > remaining()) {
            throw PickleError.malformed("declares " + Long.toUnsignedString(n) + " bytes, but only " + remaining()
                    + " remain in the pickle");
        }
    }

    /** A protocol 0 line without its newline, of at most {@code max} bytes. */
    byte[] line(int max) {
        long limit = Math.min(end, position + (long) max + 1);
        for (long p = position; p < limit; p++) {
            if (bytes.get(ValueLayout.JAVA_BYTE, p) == '\n') {
                byte[] out = bytes(p - position);
                position++;
                return out;
            }
        }
        if (limit == end) {
            throw PickleError.malformed("the pickle ends inside a text argument (no newline)");
        }
        throw PickleError.malformed("a text argument longer than " + max + " bytes");
    }

    /** Starts a protocol 4 frame of {@code size} bytes at the current position. */
    void frame(long size) {
        if (frameEnd > position) {
            throw PickleError.malformed("a new frame begins before the current frame ends (at byte " + frameEnd + ")");
        }
        if (size < 0 || size > remaining()) {
            throw PickleError.malformed("the frame declares " + Long.toUnsignedString(size) + " bytes, but only "
                    + remaining() + " remain");
        }
        frameEnd = position + size;
    }

    private void take(long n, String what) {
        if (n > remaining()) {
            throw PickleError.malformed("the pickle ends after " + position + " bytes, inside an argument of " + what);
        }
        if (position < frameEnd && position + n > frameEnd) {
            throw PickleError.malformed("an argument of " + what + " runs past the end of its frame at byte " + frameEnd);
        }
    }
}
