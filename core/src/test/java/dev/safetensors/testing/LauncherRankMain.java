package dev.safetensors.testing;

import dev.safetensors.parallel.ParallelPlan;
import dev.safetensors.parallel.Rank;

import dev.safetensors.testing.CountingSource;
import dev.safetensors.Header;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.device.Device;
import dev.safetensors.internal.io.PositionalFileSource;
import dev.safetensors.load.LoadBudget;
import dev.safetensors.load.LoadPlan;
import dev.safetensors.load.LoadedTensor;
import dev.safetensors.load.TensorStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One rank started by a launcher (mpirun, torchrun, srun): knows its place only from the environment,
 * streams its pieces of the checkpoint onto the CPU through a byte-counting source, and writes them, the
 * byte count and the launcher's name under {@code out/<rank>/}. Arguments: file out.
 */
public final class LauncherRankMain {
    public static void main(String[] args) throws IOException {
        Rank rank = Rank.fromEnvironment().orElseThrow(() -> new IllegalStateException("no launcher environment"));
        Path out = Files.createDirectories(Path.of(args[1], Integer.toString(rank.rank())));
        CountingSource counting = new CountingSource(PositionalFileSource.open(Path.of(args[0])));
        ParallelPlan plan = TinyModel.plan(rank.worldSize(), 1);
        try (Arena arena = Arena.ofShared();
             SafeTensorsFile f = SafeTensorsFile.open(counting, Header.DEFAULT_MAX_SIZE);
             Device cpu = Device.cpu(arena);
             TensorStream s = f.stream(cpu, LoadPlan.rank(plan, rank), LoadBudget.ofBytes(1 << 16).withChunkBytes(64))) {
            long expected = f.header().dataStart();
            for (LoadedTensor t : s) {
                Files.write(out.resolve(t.name()), cpu.hostView(t.tensor()).orElseThrow().toArray(ValueLayout.JAVA_BYTE));
                expected += t.tensor().byteSize();
            }
            Files.writeString(out.resolve("bytes-read"), counting.bytesRead() + " " + expected);
            Files.writeString(out.resolve("launcher"), rank.launcher() + " " + rank.worldSize());
        }
    }
}
