package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Shapes read from a header are held compactly above rank 64 (one byte per small dimension): they must
 * behave exactly as {@link Shape#of} shapes of the same dimensions, whatever the dimensions' sizes.
 */
class HighRankShapeTest {
    @ParameterizedTest(name = "rank {0}")
    @ValueSource(ints = {1, 4, 64, 65, 127, 128, 129, 1000, 20_000})
    void headerShapeEqualsTheSameDimensionsGivenDirectly(int rank) {
        Random r = new Random(rank);
        long[] dims = new long[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = switch (r.nextInt(5)) {
                case 0 -> 1;
                case 1 -> r.nextInt(200);
                case 2 -> r.nextLong() >>> r.nextInt(64);
                case 3 -> -1L;   // 2^64 - 1
                default -> 0;
            };
        }
        dims[0] = 0;   // first, so that the checked product is 0 throughout: a valid tensor of no bytes
        StringBuilder sb = new StringBuilder("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,0],\"shape\":[");
        for (int i = 0; i < rank; i++) {
            sb.append(i == 0 ? "" : ", ").append(Long.toUnsignedString(dims[i]));
        }
        byte[] json = sb.append("]}}").toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Shape read = Header.parse(json, 0, "rank").info("t").shape();
        Shape given = Shape.of(dims);

        assertThat(read).isEqualTo(given).hasSameHashCodeAs(given);
        assertThat(given).isEqualTo(read);
        assertThat(read.rank()).isEqualTo(rank);
        assertThat(read.dims()).containsExactly(dims);
        assertThat(read.toString()).isEqualTo(given.toString());
        assertThat(read.elementCount()).isZero();
        for (int k = 0; k < 50; k++) {
            int i = r.nextInt(rank);
            assertThat(read.dim(i)).as("dim %d", i).isEqualTo(dims[i]);
        }
        assertThat(read.dim(rank - 1)).isEqualTo(dims[rank - 1]);
        assertThatThrownBy(() -> read.dim(rank)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
