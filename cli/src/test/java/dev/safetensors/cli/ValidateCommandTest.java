package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest {
    @TempDir
    Path dir;

    private static byte[] file(String header, int data) {
        byte[] h = header.getBytes();
        return ByteBuffer.allocate(8 + h.length + data).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array();
    }

    @Test
    void validFilesGiveOkLinesAndExitZero() {
        String f = Cli.fixture("reference-samples/overall.safetensors").toString();
        Cli r = Cli.run("validate", f);
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo(f + ": OK (9 tensors)\n");
    }

    @Test
    void anInvalidFileGivesItsKindAndExitOne() throws IOException {
        Path good = Files.write(dir.resolve("good.safetensors"), file("{}", 0));
        Path bad = Files.write(dir.resolve("bad.safetensors"),
                file("{\"a\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[8,12]}}", 12));
        Path missing = dir.resolve("missing.safetensors");
        assertThat(Cli.run("validate", good.toString(), bad.toString()).exitCode()).as("invalid").isEqualTo(1);
        Cli r = Cli.run("validate", good.toString(), bad.toString(), missing.toString());
        assertThat(r.exitCode()).as("the worst: a file that could not be read").isEqualTo(3);
        assertThat(r.out().lines()).containsExactly(
                good + ": OK (0 tensors)",
                bad + ": INVALID InvalidOffset: invalid offset for tensor `b`: data_offsets [8, 12] begin at 8, "
                        + "but the previous tensor ends at 4 (tensors must be contiguous, without holes or overlaps)",
                missing + ": ERROR IoError: cannot open the file: no such file");
    }

    @Test
    void directoriesAreWalkedForSafetensorsFiles() {
        Cli r = Cli.run("validate", Cli.fixture("reference-samples").toString());
        assertThat(r.out().lines()).hasSize(10).allMatch(l -> l.endsWith(": OK (1 tensor)") || l.endsWith(": OK (9 tensors)"));
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(Cli.run("validate").exitCode()).isEqualTo(2);
        assertThat(Cli.run("validate", "--no-such-option", "x").exitCode()).isEqualTo(2);
        assertThat(Cli.run("no-such-command").exitCode()).isEqualTo(2);
    }

    @Test
    void handlesThousandsOfPathsInOneCall() throws IOException {
        List<String> args = new ArrayList<>(List.of("validate"));
        byte[] content = file("{\"t\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]}}", 3);
        for (int i = 0; i < 3000; i++) {
            args.add(Files.write(dir.resolve("f" + i + ".safetensors"), i == 1234 ? new byte[3] : content).toString());
        }
        Cli r = Cli.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out().lines()).hasSize(3000)
                .filteredOn(l -> l.contains("INVALID")).containsExactly(dir.resolve("f1234.safetensors")
                        + ": INVALID HeaderTooSmall: header too small: the file has 3 bytes, fewer than the 8-byte header length");
    }
}
