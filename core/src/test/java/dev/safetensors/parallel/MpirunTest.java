package dev.safetensors.parallel;

import dev.safetensors.testing.LauncherRankMain;
import dev.safetensors.testing.TinyModel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four ranks under a real {@code mpirun} on this machine (Open MPI; CI installs openmpi-bin): each process
 * learns its place from the launcher's environment alone, streams only its bytes, and the pieces reassemble.
 */
class MpirunTest {
    @TempDir
    static Path dir;
    static Path file;

    @BeforeAll
    static void writeModel() {
        file = dir.resolve("tiny.safetensors");
        TinyModel.write(file);
    }

    private static String mpirun() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, "mpirun"))) {
                return Path.of(d, "mpirun").toString();
            }
        }
        return null;
    }

    @Test
    void fourRanksUnderMpirunReadOnlyTheirBytesAndReassemble() throws Exception {
        String mpirun = mpirun();
        Assumptions.assumeTrue(mpirun != null, "mpirun is not installed (apt-get install openmpi-bin)");
        int world = 4;
        Path out = Files.createDirectories(dir.resolve("mpi"));
        List<String> cmd = new ArrayList<>(List.of(mpirun, "-np", Integer.toString(world), "--oversubscribe",
                "--bind-to", "none"));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.add("--allow-run-as-root");
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), LauncherRankMain.class.getName(), file.toString(),
                out.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMPI_MCA_btl", "self");   // no network transports: the ranks never talk
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        for (int r = 0; r < world; r++) {
            assertThat(Files.readString(out.resolve(r + "/launcher"))).isEqualTo("openmpi " + world);
            String[] counts = Files.readString(out.resolve(r + "/bytes-read")).split(" ");
            assertThat(counts[0]).as("rank %d read exactly its header and pieces", r).isEqualTo(counts[1]);
        }
        int t = 0;
        for (Map.Entry<String, long[]> e : TinyModel.SHAPES.entrySet()) {
            float[] expected = TinyModel.values(t++, e.getValue());
            assertThat(reassemble(out, world, e.getKey(), e.getValue())).as(e.getKey()).containsExactly(expected);
        }
    }

    private static float[] reassemble(Path out, int world, String name, long[] shape) throws Exception {
        Placement p = TinyModel.plan(world, 1).placementOf(name);
        if (p == Placement.REPLICATE) {
            return floats(Files.readAllBytes(out.resolve("0/" + name)));
        }
        int rows = (int) shape[0];
        int cols = shape.length > 1 ? (int) shape[1] : 1;
        float[] whole = new float[rows * cols];
        int at = 0;
        for (int r = 0; r < world; r++) {
            Path part = out.resolve(r + "/" + name);
            float[] v = Files.exists(part) ? floats(Files.readAllBytes(part)) : new float[0];
            if (p == Placement.SPLIT_DIM0) {
                System.arraycopy(v, 0, whole, at, v.length);
                at += v.length;
            } else {
                int width = v.length / rows;
                for (int row = 0; row < rows; row++) {
                    System.arraycopy(v, row * width, whole, row * cols + at, width);
                }
                at += width;
            }
        }
        return whole;
    }

    private static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }
}
