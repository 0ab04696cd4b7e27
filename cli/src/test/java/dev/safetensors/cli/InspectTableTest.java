package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table {@code inspect} prints grows with the number of tensors, not with the longest name or shape:
 * one tensor of 10^5 dimensions (or a 10^6-character name) beside 2,000 small ones once made every row as
 * wide as that shape, 600 MB from a 326 KB file. Long values are shortened, and one past the column's cap
 * overflows its own row instead of widening every row.
 */
class InspectTableTest {
    private static final int SMALL = 2000;

    @TempDir
    Path dir;

    @Test
    void aHugeShapeDoesNotWidenEveryRow() throws Exception {
        String plain = inspect(file("plain", null, null));
        String withShape = inspect(file("shape", "[10000," + "1,".repeat(100_000) + "2]", null));
        // The shape is shown in runs; at most its short form widens the column.
        assertThat(withShape).contains("[10000, 1 x 100000, 2]");
        assertThat(withShape.length()).isLessThan(plain.length() + SMALL * "[10000, 1 x 100000, 2]".length() + 1000);
    }

    @Test
    void aHugeNameDoesNotWidenEveryRow() throws Exception {
        String plain = inspect(file("plain", null, null));
        String withName = inspect(file("name", null, "n".repeat(1_000_000)));
        assertThat(withName.length()).isLessThan(plain.length() + 1000);
        assertThat(withName).contains("more characters)");
    }

    @Test
    void ordinaryRowsKeepTheirColumns() throws Exception {
        String out = inspect(file("plain", null, null));
        assertThat(out).containsPattern("\n  t0000 +U8 +\\[1\\] +1\n");
    }

    private String inspect(Path file) {
        Cli r = Cli.run("inspect", file.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        return r.out();
    }

    /** {@value #SMALL} one-byte tensors, and optionally one more with a given shape of ones or a given name. */
    private Path file(String label, String bigShape, String bigName) throws Exception {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < SMALL; i++) {
            sb.append(i == 0 ? "" : ",").append(String.format("\"t%04d\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[%d,%d]}", i, i, i + 1));
        }
        long data = SMALL;
        if (bigShape != null) {
            sb.append(",\"big\":{\"dtype\":\"U8\",\"shape\":").append(bigShape).append(",\"data_offsets\":[").append(SMALL)
                    .append(',').append(SMALL + 20000).append("]}");
            data += 20000;
        }
        if (bigName != null) {
            sb.append(",\"").append(bigName).append("\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[").append(SMALL)
                    .append(',').append(SMALL + 1).append("]}");
            data += 1;
        }
        byte[] header = sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve(label + ".safetensors");
        Files.write(f, ByteBuffer.allocate(8 + header.length + (int) data).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).array());
        return f;
    }
}
