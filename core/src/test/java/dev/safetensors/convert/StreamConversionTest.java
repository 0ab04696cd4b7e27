package dev.safetensors.convert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.ByteSink;
import dev.safetensors.DType;
import dev.safetensors.TensorData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Conversion#of(DType, TensorData, DType, Overflow, SubBytePacking)}: a stream re-encoded, whatever its pieces. */
class StreamConversionTest {

    /** Round to nearest even by bit arithmetic, finite values only: a reference independent of the encoder. */
    private static short bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    @Test
    void reencodesAStreamArrivingInOddPiecesAcrossBlockBoundaries() throws IOException {
        int n = (1 << 16) * 2 + 12_345;   // two whole blocks and a partial one
        float[] values = new float[n];
        Random random = new Random(7);
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9) - 4));
        }
        ByteBuffer le = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        le.asFloatBuffer().put(values);
        byte[] f32 = le.array();
        TensorData pieces = sink -> {   // 1, 2, 3, ... 1000 bytes at a time: pieces split elements
            int at = 0;
            for (int size = 1; at < f32.length; size = size % 1000 + 1) {
                int k = Math.min(size, f32.length - at);
                sink.write(MemorySegment.ofArray(f32).asSlice(at, k));
                at += k;
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteSink collect = bytes -> out.write(bytes.toArray(ValueLayout.JAVA_BYTE));
        Conversion.of(DType.F32, pieces, DType.BF16, Overflow.SATURATE, SubBytePacking.DEFAULT).writeTo(collect);

        ByteBuffer got = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(got.remaining()).isEqualTo(2 * n);
        for (int i = 0; i < n; i++) {
            assertThat(got.getShort()).as("value %d = %s", i, values[i]).isEqualTo(bf16(values[i]));
        }
    }
}
