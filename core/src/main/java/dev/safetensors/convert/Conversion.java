package dev.safetensors.convert;

import dev.safetensors.ByteSink;
import dev.safetensors.DType;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.internal.convert.RoundToOdd;
import dev.safetensors.internal.io.LittleEndian;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A tensor re-encoded in another floating dtype, streamed in blocks: each block of the source is read (a copy
 * from the mapping, or one positional read), decoded and encoded, so converting a model never holds more
 * than one block of it in memory, whatever the read strategy. Values are rounded once, to nearest even:
 * float64 and 32- and 64-bit integer sources are not rounded to float32 on the way.
 *
 * <pre>{@code
 * writer.add(t.name(), DType.BF16, t.shape(), Conversion.of(t, DType.BF16));   // PyTorch's cast: Inf stays Inf
 * }</pre>
 */
public final class Conversion {
    private static final int BLOCK = 1 << 16;   // elements per block: a multiple of 4 (F4 pairs, F6 quads)

    private Conversion() {
    }

    /**
     * {@return whether values of this dtype can be decoded to float and re-encoded (every float dtype but C64)}
     *
     * @param t a dtype
     */
    public static boolean isFloating(DType t) {
        return switch (t) {
            case F4, F6_E2M3, F6_E3M2, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, F16, BF16, F32, F64 -> true;
            default -> false;
        };
    }

    /**
     * {@return {@code source} in {@code target} with the target's expected overflow ({@link Overflow#defaultFor})}
     *
     * @param source   the tensor to convert; it must stay open until the file is written
     * @param target   the dtype to write
     * @throws IllegalArgumentException when {@code target} cannot be encoded, the source dtype cannot be
     *         decoded (C64), or the source is F6 and {@code packing} names no F6 order
     */
    public static TensorData of(Tensor source, DType target) {
        return of(source, target, Overflow.defaultFor(target), SubBytePacking.DEFAULT, new ConversionCounts());
    }

    /**
     * {@return {@code source}'s values in {@code target}, read from {@code source} when the writer asks for them}
     *
     * @param source   the tensor to convert; it must stay open until the file is written
     * @param target   the dtype to write
     * @param overflow what values beyond the target's range become
     * @param packing  how sub-byte source and target elements sit in their bytes
     * @throws IllegalArgumentException when {@code target} cannot be encoded, the source dtype cannot be
     *         decoded (C64), or the source is F6 and {@code packing} names no F6 order
     */
    public static TensorData of(Tensor source, DType target, Overflow overflow, SubBytePacking packing) {
        return of(source, target, overflow, packing, new ConversionCounts());
    }

    /**
     * {@return {@code source}'s values in {@code target}, adding to {@code counts} how many values overflowed,
     * saturated or became NaN as they are written}
     *
     * @param source   the tensor to convert; it must stay open until the file is written
     * @param target   the dtype to write
     * @param overflow what values beyond the target's range become
     * @param packing  how sub-byte source and target elements sit in their bytes
     * @param counts   added to as values are written
     * @throws IllegalArgumentException when {@code target} cannot be encoded, the source dtype cannot be
     *         decoded (C64), or the source is F6 and {@code packing} names no F6 order
     */
    public static TensorData of(Tensor source, DType target, Overflow overflow, SubBytePacking packing,
            ConversionCounts counts) {
        DType from = source.dtype();
        check(from, target, overflow, packing, counts, "tensor `" + source.name() + "`");
        return sink -> {
            long elements = source.elementCount();
            Blocks blocks = new Blocks(from, target, overflow, packing, counts);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment in = arena.allocate((long) BLOCK * from.bits() / 8, 8);
                MemorySegment out = arena.allocate((long) BLOCK * target.bits() / 8, 8);
                for (long e = 0; e < elements; e += BLOCK) {
                    int n = (int) Math.min(BLOCK, elements - e);
                    MemorySegment block = in.asSlice(0, (long) n * from.bits() / 8);
                    source.copyTo(e * from.bits() / 8, block);
                    blocks.encode(block, n, out, sink);
                }
            }
        };
    }

    /**
     * {@return values of dtype {@code from} that {@code source} streams (a tensor of another format, say), re-encoded in
     * {@code target} block by block as the writer pulls them: nothing is held but one block, whatever the pieces
     * {@code source} writes}
     *
     * <pre>{@code
     * writer.add(name, DType.BF16, shape, Conversion.of(DType.F32, importedTensorData, DType.BF16, Overflow.SATURATE,
     *         SubBytePacking.DEFAULT));
     * }</pre>
     *
     * @param from     the dtype of the bytes {@code source} writes
     * @param source   the bytes to convert, streamed in pieces of any size
     * @param target   the dtype to write
     * @param overflow what values beyond the target's range become
     * @param packing  how sub-byte source and target elements sit in their bytes
     * @throws IllegalArgumentException when {@code target} cannot be encoded, the source dtype cannot be
     *         decoded (C64), or the source is F6 and {@code packing} names no F6 order
     */
    public static TensorData of(DType from, TensorData source, DType target, Overflow overflow, SubBytePacking packing) {
        return of(from, source, target, overflow, packing, new ConversionCounts());
    }

    /**
     * {@return the values of dtype {@code from} that {@code source} streams, re-encoded in {@code target}, adding to
     * {@code counts} how many values overflowed, saturated or became NaN}
     *
     * @param from     the dtype of the bytes {@code source} writes
     * @param source   the bytes to convert, streamed in pieces of any size
     * @param target   the dtype to write
     * @param overflow what values beyond the target's range become
     * @param packing  how sub-byte source and target elements sit in their bytes
     * @param counts   added to as values are written
     * @throws IllegalArgumentException when {@code target} cannot be encoded, the source dtype cannot be
     *         decoded (C64), or the source is F6 and {@code packing} names no F6 order
     */
    public static TensorData of(DType from, TensorData source, DType target, Overflow overflow, SubBytePacking packing,
            ConversionCounts counts) {
        check(from, target, overflow, packing, counts, "the stream");
        return sink -> {
            Blocks blocks = new Blocks(from, target, overflow, packing, counts);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment pending = arena.allocate((long) BLOCK * from.bits() / 8, 8);
                MemorySegment out = arena.allocate((long) BLOCK * target.bits() / 8, 8);
                long[] filled = {0};
                source.writeTo(bytes -> {
                    for (long off = 0; off < bytes.byteSize(); ) {
                        long n = Math.min(bytes.byteSize() - off, pending.byteSize() - filled[0]);
                        MemorySegment.copy(bytes, off, pending, filled[0], n);
                        filled[0] += n;
                        off += n;
                        if (filled[0] == pending.byteSize()) {
                            blocks.encode(pending, BLOCK, out, sink);
                            filled[0] = 0;
                        }
                    }
                });
                if (filled[0] > 0) {
                    blocks.encode(pending.asSlice(0, filled[0]), (int) (filled[0] * 8 / from.bits()), out, sink);
                }
            }
        };
    }

    private static void check(DType from, DType target, Overflow overflow, SubBytePacking packing,
            ConversionCounts counts, String what) {
        Objects.requireNonNull(overflow, "overflow must be non-null");
        Objects.requireNonNull(counts, "counts must be non-null");
        if (!FloatEncoder.canEncode(target)) {
            throw new IllegalArgumentException("cannot encode floats as " + target);
        }
        if (!FloatDecoder.canDecode(from)) {
            throw new IllegalArgumentException(what + " is " + from + ", which has no float value");
        }
        if ((from == DType.F6_E2M3 || from == DType.F6_E3M2) && packing.f6() == null) {
            throw new IllegalArgumentException(what + " is " + from + ": the format does not "
                    + "define how F6 values are packed; name an order with SubBytePacking.withF6(...)");
        }
    }

    /** Decodes one block and encodes it in the target, rounding once: the one loop both conversions share. */
    private static final class Blocks {
        private final DType from;
        private final DType target;
        private final Overflow overflow;
        private final SubBytePacking packing;
        private final ConversionCounts counts;
        private final float[] floats;
        private final double[] doubles;

        Blocks(DType from, DType target, Overflow overflow, SubBytePacking packing, ConversionCounts counts) {
            this.from = from;
            this.target = target;
            this.overflow = overflow;
            this.packing = packing;
            this.counts = counts;
            boolean wide = isWiderThanFloat(from);
            this.floats = wide ? null : new float[BLOCK];
            this.doubles = wide ? new double[BLOCK] : null;
        }

        void encode(MemorySegment block, int n, MemorySegment out, ByteSink sink) throws IOException {
            MemorySegment encoded = out.asSlice(0, (long) n * target.bits() / 8);
            if (doubles != null) {
                decodeWide(from, block, doubles, n);
                FloatEncoder.encode(doubles, 0, n, target, overflow, encoded, counts);
            } else {
                FloatDecoder.decode(from, block, floats, 0, packing);
                FloatEncoder.encode(floats, 0, n, target, overflow, encoded, counts);
            }
            sink.write(encoded);
        }
    }

    /** Sources whose values a float cannot hold exactly: they go through double, rounded once at the end. */
    private static boolean isWiderThanFloat(DType t) {
        return switch (t) {
            case F64, I32, U32, I64, U64 -> true;
            default -> false;
        };
    }

    /** Exact for F64 and 32-bit integers; 64-bit integers round to odd, so the final rounding stays single. */
    private static void decodeWide(DType t, MemorySegment src, double[] out, int n) {
        switch (t) {
            case F64 -> MemorySegment.copy(src, LittleEndian.DOUBLE, 0, out, 0, n);
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = src.get(LittleEndian.INT, 4L * i);
                }
            }
            case U32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = src.get(LittleEndian.INT, 4L * i) & 0xFFFFFFFFL;
                }
            }
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = RoundToOdd.toDouble(src.get(LittleEndian.LONG, 8L * i));
                }
            }
            case U64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = RoundToOdd.toDoubleUnsigned(src.get(LittleEndian.LONG, 8L * i));
                }
            }
            default -> throw new IllegalArgumentException(t + " is not wider than float");
        }
    }
}
