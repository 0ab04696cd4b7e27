package dev.safetensors.cli;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The header of a NumPy {@code .npy} file (format versions 1.0 and 2.0, as {@code numpy.lib.format}
 * writes them): magic, version, header length, a Python dict literal padded with spaces and a newline so
 * that the data starts on a multiple of 64 bytes.
 */
final class NpyHeader {
    private static final int ALIGN = 64;
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private NpyHeader() {
    }

    /** NumPy's type string for a dtype, or empty when NumPy has none (BF16, F8_*, F6_*, F4). */
    static Optional<String> descr(DType t) {
        return Optional.ofNullable(switch (t) {
            case BOOL -> "|b1";
            case U8 -> "|u1";
            case I8 -> "|i1";
            case I16 -> "<i2";
            case U16 -> "<u2";
            case F16 -> "<f2";
            case I32 -> "<i4";
            case U32 -> "<u4";
            case F32 -> "<f4";
            case I64 -> "<i8";
            case U64 -> "<u8";
            case F64 -> "<f8";
            case C64 -> "<c8";
            default -> null;
        });
    }

    static byte[] encode(String descr, Shape shape) {
        StringBuilder dict = new StringBuilder("{'descr': '").append(descr)
                .append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.rank(); i++) {
            dict.append(i == 0 ? "" : ", ").append(Long.toUnsignedString(shape.dim(i)));
        }
        dict.append(shape.rank() == 1 ? ",), }" : "), }");
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        // Version 1.0 has a 2-byte length; longer headers (huge ranks) need 2.0's 4 bytes.
        boolean v1 = pad(text.length, 10) <= 0xFFFF;
        int prefix = v1 ? 10 : 12;
        int headerLength = pad(text.length, prefix);
        ByteBuffer bb = ByteBuffer.allocate(prefix + headerLength).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(MAGIC).put((byte) (v1 ? 1 : 2)).put((byte) 0);
        if (v1) {
            bb.putShort((short) headerLength);
        } else {
            bb.putInt(headerLength);
        }
        bb.put(text);
        while (bb.position() < bb.limit() - 1) {
            bb.put((byte) ' ');
        }
        bb.put((byte) '\n');
        return bb.array();
    }

    /** Dict text plus spaces and the final newline, so that prefix + result is a multiple of 64. */
    private static int pad(int textLength, int prefix) {
        int total = prefix + textLength + 1;
        return ((total + ALIGN - 1) / ALIGN) * ALIGN - prefix;
    }
}
