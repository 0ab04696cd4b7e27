package dev.safetensors.internal.read;

import dev.safetensors.DType;
import dev.safetensors.convert.Conversion;
import dev.safetensors.convert.ConversionCounts;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import dev.safetensors.convert.SubBytePacking;
import dev.safetensors.internal.convert.Widening;
import dev.safetensors.internal.io.LittleEndian;
import dev.safetensors.internal.read.Sinks.Target;
import java.lang.foreign.MemorySegment;

/**
 * The decoding copy into caller memory ({@code copyTo(dst, as)}): every value of the result converted to
 * {@code as} and written little-endian from the start of {@code dst}, in one pass over the runs, for any number of
 * elements. The conversions are the array copy-outs' ({@link Sinks}): {@code F32} as {@code toFloatArray},
 * {@code F64} as {@code toDoubleArray}, {@code I32} as {@code toIntArray}, {@code I64} as {@code toLongArray};
 * {@code F16} and {@code BF16} take {@code Conversion}'s rules: each value rounded once to nearest even (an F64
 * from its double, not through float), overflowing as {@code Overflow.defaultFor} says (to infinity, PyTorch's and
 * NumPy's cast). The same dtype copies the bytes as they are.
 *
 * <p>BF16, F16 and the 8-bit floats widen to F32 straight into {@code dst} ({@link Widening}). Every other
 * conversion decodes {@value #STEP} values at a time into a small array through the array sink, then copies them
 * out: the decoding rules stay in one place and the array stays in the first-level cache.
 */
public final class IntoMemory {
    /** Values decoded at a time: a multiple of 4 (F4 pairs, F6 quadruples). */
    private static final int STEP = 1 << 12;

    private IntoMemory() {
    }

    /** Why values of {@code from} cannot be written as {@code as}, or null when they can. */
    public static String refusal(DType from, DType as, SubBytePacking packing) {
        if (from == as) {
            return null;
        }
        Target target = target(as);
        if (target == null) {
            return "can't be decoded into " + as + " (copyTo(dst, as) writes F32, F64, I32, I64, F16, BF16 or the "
                    + "tensor's own dtype)";
        }
        if (as == DType.F16 || as == DType.BF16 ? !Conversion.isFloating(from) : !target.accepts(from)) {
            return "of type " + from + " can't be decoded into " + as;
        }
        if (from.isSubByte() && from != DType.F4 && packing.f6() == null) {
            return "is " + from + ", whose bit packing the format does not define";
        }
        return null;
    }

    /** Bytes the result takes as {@code as}: its values (pairs for C64) times the width of {@code as}. */
    public static long byteSize(DType from, DType as, long elements, long bytes) {
        if (from == as) {
            return bytes;
        }
        long values = Target.FLOAT.length(from, elements, bytes);
        return Math.multiplyExact(values, as.bits() / 8);
    }

    /** The sink writing the result as {@code as} into {@code dst}, which holds {@link #byteSize} bytes. */
    public static Sink sink(DType from, DType as, MemorySegment dst, SubBytePacking packing) {
        if (from == as) {
            return Sinks.memory(dst);
        }
        DType unit = from == DType.C64 ? DType.F32 : from;
        if (as == DType.F32) {
            float[] table = Widening.table8(from);
            if (from == DType.BF16) {
                return widening(from, dst, Widening::bf16);
            } else if (from == DType.F16) {
                return widening(from, dst, Widening::f16);
            } else if (table != null) {
                return widening(from, dst, (s, d, n) -> Widening.lookup(s, table, d, n));
            }
            float[] values = new float[STEP];
            return new Staged(unit, Sinks.floats(from, values, packing),
                    (n, at) -> MemorySegment.copy(values, 0, dst, LittleEndian.FLOAT, 4 * at, n));
        }
        return switch (as) {
            case F64 -> {
                double[] values = new double[STEP];
                yield new Staged(unit, Sinks.doubles(from, values, packing),
                        (n, at) -> MemorySegment.copy(values, 0, dst, LittleEndian.DOUBLE, 8 * at, n));
            }
            case I32 -> {
                int[] values = new int[STEP];
                yield new Staged(unit, Sinks.ints(from, values),
                        (n, at) -> MemorySegment.copy(values, 0, dst, LittleEndian.INT, 4 * at, n));
            }
            case I64 -> {
                long[] values = new long[STEP];
                yield new Staged(unit, Sinks.longs(from, values),
                        (n, at) -> MemorySegment.copy(values, 0, dst, LittleEndian.LONG, 8 * at, n));
            }
            case F16, BF16 -> {
                Overflow overflow = Overflow.defaultFor(as);
                if (from == DType.F64) {      // rounded once from the double, as Conversion does, not through float
                    double[] values = new double[STEP];
                    ConversionCounts counts = new ConversionCounts();
                    yield new Staged(unit, Sinks.doubles(from, values, packing), (n, at) -> FloatEncoder.encode(values,
                            0, n, as, overflow, dst.asSlice(2 * at, 2L * n), counts));
                }
                float[] values = new float[STEP];
                yield new Staged(unit, Sinks.floats(from, values, packing), (n, at) -> FloatEncoder.encode(values, 0, n,
                        as, overflow, dst.asSlice(2 * at, 2L * n)));
            }
            default -> throw new IllegalArgumentException(refusal(from, as, packing));
        };
    }

    private static Target target(DType as) {
        return switch (as) {
            case F32, F16, BF16 -> Target.FLOAT;
            case F64 -> Target.DOUBLE;
            case I32 -> Target.INT;
            case I64 -> Target.LONG;
            default -> null;
        };
    }

    /** A kernel from elements to little-endian F32. */
    @FunctionalInterface
    private interface Kernel {
        void widen(MemorySegment src, MemorySegment dst, int n);
    }

    /** Widens each block straight into {@code dst}: element {@code e} of the result goes to bytes {@code 4e}. */
    private static Sink widening(DType from, MemorySegment dst, Kernel kernel) {
        int bits = from.bits();
        return (block, offset) -> {
            int n = (int) (block.byteSize() * 8 / bits);
            kernel.widen(block, dst.asSlice(offset * 8 / bits * 4, 4L * n), n);
        };
    }

    /** Copies {@code n} decoded values out of the staging array to the result's values from index {@code at}. */
    @FunctionalInterface
    private interface Output {
        void write(int n, long at);
    }

    /** Cuts each block into parts of {@value #STEP} values, decodes a part into the array, then copies it out. */
    private static final class Staged implements Sink {
        private final int unitBits;
        private final Sink intoArray;
        private final Output output;

        Staged(DType unit, Sink intoArray, Output output) {
            this.unitBits = unit.bits();
            this.intoArray = intoArray;
            this.output = output;
        }

        @Override
        public void accept(MemorySegment block, long offset) {
            long at = offset * 8 / unitBits;
            long stepBytes = (long) STEP * unitBits / 8;
            for (long done = 0; done < block.byteSize(); done += stepBytes) {
                MemorySegment part = block.asSlice(done, Math.min(stepBytes, block.byteSize() - done));
                int n = (int) (part.byteSize() * 8 / unitBits);
                intoArray.accept(part, 0);
                output.write(n, at);
                at += n;
            }
        }
    }
}
