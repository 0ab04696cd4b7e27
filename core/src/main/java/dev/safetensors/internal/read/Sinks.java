package dev.safetensors.internal.read;

import dev.safetensors.DType;
import dev.safetensors.convert.FloatDecoder;
import dev.safetensors.convert.SubBytePacking;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The sinks of the copy-outs: raw bytes into memory, and decoding into Java arrays, with which dtypes each
 * array type takes ({@link Target#accepts}) and how each is widened. Whole tensors and slices use the same ones.
 *
 * <ul>
 *   <li>{@code short[]}: I16, U16, F16, BF16 as raw 16-bit values; BOOL, U8, I8 by value.</li>
 *   <li>{@code int[]}: I32, U32 as raw bits; narrower integers and BOOL by value.</li>
 *   <li>{@code long[]}: I64, U64 as raw bits; U32 and narrower integers and BOOL by value.</li>
 *   <li>{@code float[]}: every dtype through {@link FloatDecoder}; C64 as interleaved (real, imaginary).</li>
 *   <li>{@code double[]}: F64 as is, I32, U32, I64 and U64 (rounded), everything else as its float value.</li>
 * </ul>
 */
public final class Sinks {
    /** Values decoded at a time on the way to a wider type: a multiple of 4 (F4 pairs, F6 quadruples). */
    private static final int STEP = 1 << 14;

    private Sinks() {
    }

    /** The array types of the copy-outs. */
    public enum Target {
        BYTE, SHORT, INT, LONG, FLOAT, DOUBLE;

        /** {@code "float[]"} and so on. */
        public String typeName() {
            return name().toLowerCase(java.util.Locale.ROOT) + "[]";
        }

        /** Whether values of {@code t} go into this array type (F6 also needs a bit order for floats). */
        public boolean accepts(DType t) {
            return switch (this) {
                case BYTE, FLOAT, DOUBLE -> true;
                case SHORT -> switch (t) {
                    case I16, U16, F16, BF16, BOOL, U8, I8 -> true;
                    default -> false;
                };
                case INT -> switch (t) {
                    case I32, U32, BOOL, U8, I8, I16, U16 -> true;
                    default -> false;
                };
                case LONG -> switch (t) {
                    case I64, U64, I32, U32, BOOL, U8, I8, I16, U16 -> true;
                    default -> false;
                };
            };
        }

        /** Array length for {@code elements} elements of {@code t} ({@code byteSize} bytes). */
        public long length(DType t, long elements, long byteSize) {
            if (this == BYTE) {
                return byteSize;
            }
            return t == DType.C64 ? elements * 2 : elements;
        }
    }

    /** The raw bytes into {@code dst}, from its start. */
    public static Sink memory(MemorySegment dst) {
        return new Sink() {
            @Override
            public MemorySegment direct(long offset, long length) {
                return dst.asSlice(offset, length);
            }

            @Override
            public void accept(MemorySegment block, long offset) {
                MemorySegment.copy(block, 0, dst, offset, block.byteSize());
            }
        };
    }

    public static Sink bytes(byte[] out) {
        return memory(MemorySegment.ofArray(out));
    }

    public static Sink shorts(DType from, short[] out) {
        return (b, offset) -> {
            int at = (int) (offset * 8 / from.bits());
            int n = (int) (b.byteSize() * 8 / from.bits());
            switch (from) {
                case I16, U16, F16, BF16 -> MemorySegment.copy(b, LittleEndian.SHORT, 0, out, at, n);
                case BOOL, U8 -> {
                    for (int i = 0; i < n; i++) {
                        out[at + i] = (short) (b.get(ValueLayout.JAVA_BYTE, i) & 0xFF);
                    }
                }
                case I8 -> {
                    for (int i = 0; i < n; i++) {
                        out[at + i] = b.get(ValueLayout.JAVA_BYTE, i);
                    }
                }
                default -> throw new IllegalArgumentException(from + " into short[]");
            }
        };
    }

    public static Sink ints(DType from, int[] out) {
        return (b, offset) -> {
            int at = (int) (offset * 8 / from.bits());
            int n = (int) (b.byteSize() * 8 / from.bits());
            switch (from) {
                case I32, U32 -> MemorySegment.copy(b, LittleEndian.INT, 0, out, at, n);
                case BOOL, U8 -> {
                    for (int i = 0; i < n; i++) {
                        out[at + i] = b.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
                    }
                }
                case I8 -> {
                    for (int i = 0; i < n; i++) {
                        out[at + i] = b.get(ValueLayout.JAVA_BYTE, i);
                    }
                }
                case I16 -> {
                    for (int i = 0; i < n; i++) {
                        out[at + i] = b.get(LittleEndian.SHORT, 2L * i);
                    }
                }
                case U16 -> {
                    for (int i = 0; i < n; i++) {
                        out[at + i] = b.get(LittleEndian.SHORT, 2L * i) & 0xFFFF;
                    }
                }
                default -> throw new IllegalArgumentException(from + " into int[]");
            }
        };
    }

    public static Sink longs(DType from, long[] out) {
        return switch (from) {
            case I64, U64 -> (b, offset) -> MemorySegment.copy(b, LittleEndian.LONG, 0, out, (int) (offset / 8),
                    (int) (b.byteSize() / 8));
            case U32 -> (b, offset) -> {
                int at = (int) (offset / 4);
                for (int i = 0; i < b.byteSize() / 4; i++) {
                    out[at + i] = b.get(LittleEndian.INT, 4L * i) & 0xFFFFFFFFL;
                }
            };
            default -> new Staged(from) {     // I32 and narrower: their int values
                private final int[] values = new int[STEP];
                private final Sink asInts = ints(from, values);

                @Override
                void part(MemorySegment part, int at, int n) {
                    asInts.accept(part, 0);
                    for (int i = 0; i < n; i++) {
                        out[at + i] = values[i];
                    }
                }
            };
        };
    }

    /** C64 decodes as pairs of F32. */
    public static Sink floats(DType from, float[] out, SubBytePacking packing) {
        DType as = from == DType.C64 ? DType.F32 : from;
        return (b, offset) -> FloatDecoder.decode(as, b, out, (int) (offset * 8 / as.bits()), packing);
    }

    public static Sink doubles(DType from, double[] out, SubBytePacking packing) {
        DType as = from == DType.C64 ? DType.F32 : from;
        return switch (as) {
            case F64 -> (b, offset) -> MemorySegment.copy(b, LittleEndian.DOUBLE, 0, out, (int) (offset / 8),
                    (int) (b.byteSize() / 8));
            case I32, U32, I64, U64 -> (b, offset) -> {
                int at = (int) (offset * 8 / as.bits());
                int n = (int) (b.byteSize() * 8 / as.bits());
                for (int i = 0; i < n; i++) {
                    out[at + i] = switch (as) {
                        case I32 -> b.get(LittleEndian.INT, 4L * i);
                        case U32 -> b.get(LittleEndian.INT, 4L * i) & 0xFFFFFFFFL;
                        case I64 -> b.get(LittleEndian.LONG, 8L * i);
                        default -> unsignedToDouble(b.get(LittleEndian.LONG, 8L * i));
                    };
                }
            };
            default -> new Staged(as) {       // everything else: its float value
                private final float[] values = new float[STEP];

                @Override
                void part(MemorySegment part, int at, int n) {
                    FloatDecoder.decode(as, part, values, 0, packing);
                    for (int i = 0; i < n; i++) {
                        out[at + i] = values[i];
                    }
                }
            };
        };
    }

    /**
     * Decodes through a small array: each block is cut into parts of {@value #STEP} elements, decoded by a
     * narrower kernel into the array, then widened into the output.
     */
    private abstract static class Staged implements Sink {
        private final DType from;

        Staged(DType from) {
            this.from = from;
        }

        /** Widens the {@code n} elements of {@code part} into the output from index {@code at}. */
        abstract void part(MemorySegment part, int at, int n);

        @Override
        public void accept(MemorySegment b, long offset) {
            int at = (int) (offset * 8 / from.bits());
            long stepBytes = (long) STEP * from.bits() / 8;
            for (long done = 0; done < b.byteSize(); done += stepBytes) {
                MemorySegment part = b.asSlice(done, Math.min(stepBytes, b.byteSize() - done));
                int n = (int) (part.byteSize() * 8 / from.bits());
                part(part, at, n);
                at += n;
            }
        }
    }

    /** Rounds to nearest like a conversion of the unsigned value: halve with the lost bit kept sticky, double. */
    private static double unsignedToDouble(long v) {
        return v >= 0 ? v : ((v >>> 1) | (v & 1)) * 2.0;
    }
}
