package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Opening and closing 10,000 files leaves no mapping and no file descriptor behind. */
@EnabledOnOs(OS.LINUX)
class ResourceLeakTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void tenThousandOpensLeaveNothingBehind(ReadStrategy strategy) throws IOException {
        Path file = dir.resolve("leak-" + strategy + ".safetensors");
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(1024), TensorData.of(new float[1024])).write(file);
        Path bad = TestFiles.write(dir, "bad-" + strategy + ".safetensors", TestFiles.file("{\"t\":1}", 0));
        OpenOptions options = OpenOptions.defaults().withStrategy(strategy);
        long fdsBefore = openDescriptors();
        for (int i = 0; i < 10_000; i++) {
            try (SafeTensorsFile f = SafeTensorsFile.open(file, options)) {
                f.tensor("w").toFloatArray();
            }
            try {
                SafeTensorsFile.open(bad, options).close();
            } catch (SafeTensorsException expected) {
                // failed opens must release what they took too
            }
        }
        assertThat(mappingsOf(file)).isZero();
        assertThat(mappingsOf(bad)).isZero();
        assertThat(openDescriptors()).isLessThanOrEqualTo(fdsBefore + 2);
    }

    private static long mappingsOf(Path file) throws IOException {
        String name = file.toAbsolutePath().toString();
        List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
        return maps.stream().filter(l -> l.endsWith(name)).count();
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
