package dev.safetensors.fuzz;

import dev.safetensors.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** A one-tensor file `t` of the given dtype and shape, built by hand, data bytes counting up. */
final class SliceFiles {
    private SliceFiles() {
    }

    static byte[] file(DType dtype, long[] shape, long bytes) {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(dims.length() == 0 ? "" : ",").append(d);
        }
        byte[] header = ("{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + dims + "],\"data_offsets\":[0," + bytes + "]}}")
                .getBytes(StandardCharsets.US_ASCII);
        ByteBuffer bb = ByteBuffer.allocate(8 + header.length + (int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(header.length).put(header);
        for (int i = 0; i < bytes; i++) {
            bb.put((byte) i);
        }
        return bb.array();
    }
}
