package dev.safetensors;

import dev.safetensors.testing.CountingSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.internal.io.PositionalFileSource;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A sparse file of about 4.3 GiB: a U8 tensor of 2^32 + 16 bytes (itself over 2 GiB) followed by a F32
 * tensor that starts past the 4 GiB mark. Built by hand, not by the writer under test.
 */
class LargeFileTest {
    private static final long BIG = (1L << 32) + 16;
    private static final float[] TAIL = {1.5f, -2.25f, 1e30f, Float.MIN_VALUE};

    @TempDir
    static Path dir;
    static Path file;
    static long headerSize;

    @BeforeAll
    static void buildSparseFile() throws IOException {
        String json = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + BIG + "],\"data_offsets\":[0," + BIG + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[" + BIG + "," + (BIG + 16) + "]}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        headerSize = header.length;
        file = dir.resolve("sparse.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
            raf.write(prefix.array());
            raf.write(header);
            long dataStart = 8 + header.length;
            raf.setLength(dataStart + BIG + 16);
            raf.seek(dataStart + (1L << 32) + 3); // a marker inside `big`, past 4 GiB
            raf.write(new byte[] {42, 43});
            ByteBuffer tail = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : TAIL) {
                tail.putFloat(f);
            }
            raf.seek(dataStart + BIG);
            raf.write(tail.array());
        }
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void tensorPastFourGibReadsCorrectly(ReadStrategy strategy) {
        try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy))) {
            assertThat(f.tensor("tail").info().begin()).isGreaterThan(1L << 32);
            assertThat(f.tensor("tail").toFloatArray()).containsExactly(TAIL);
            Tensor big = f.tensor("big");
            assertThat(big.byteSize()).isEqualTo(BIG);
            if (f.isMapped()) {
                MemorySegment window = big.data().asSlice(1L << 32, 8);
                assertThat(window.toArray(ValueLayout.JAVA_BYTE)).containsExactly(0, 0, 0, 42, 43, 0, 0, 0);
            }
            assertThatThrownBy(big::toByteArray).isInstanceOfSatisfying(SafeTensorsException.class,
                    e -> assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidTensorView));
        }
    }

    /** Opening reads the 8-byte prefix and the header, nothing else, whatever the file size. */
    @Test
    void openingReadsOnlyTheHeader() {
        CountingSource counting = new CountingSource(PositionalFileSource.open(file));
        try (SafeTensorsFile f = SafeTensorsFile.open(counting, Header.DEFAULT_MAX_SIZE)) {
            assertThat(counting.bytesRead()).isEqualTo(8 + headerSize);
            f.tensor("tail").toFloatArray();
            assertThat(counting.bytesRead()).isEqualTo(8 + headerSize + 16);
        }
    }
}
