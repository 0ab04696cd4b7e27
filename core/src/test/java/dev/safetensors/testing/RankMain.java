package dev.safetensors.testing;

import dev.safetensors.parallel.RankPiece;

import dev.safetensors.testing.CountingSource;
import dev.safetensors.Header;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.internal.io.PositionalFileSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One rank as its own process: loads its pieces of the checkpoint through a counting source and writes them
 * under {@code out/<rank>/}, with the pages it read and the pages that hold its header and pieces. Arguments:
 * file world rank out.
 */
public final class RankMain {
    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        int world = Integer.parseInt(args[1]);
        int rank = Integer.parseInt(args[2]);
        Path out = Files.createDirectories(Path.of(args[3], Integer.toString(rank)));
        CountingSource counting = new CountingSource(PositionalFileSource.open(file));
        try (SafeTensorsFile f = SafeTensorsFile.open(counting, Header.DEFAULT_MAX_SIZE)) {
            List<long[]> needed = new ArrayList<>();
            needed.add(new long[] {0, f.header().dataStart()});
            List<RankPiece> pieces = TinyModel.plan(world, 1).pieces(f, rank, 0);
            for (RankPiece p : pieces) {
                Files.write(out.resolve(p.name()), p.slice().toByteArray());
                long begin = f.header().dataStart() + f.tensor(p.name()).info().begin();
                p.slice().forEachRun((offset, length) -> needed.add(new long[] {begin + offset, length}));
            }
            Files.writeString(out.resolve("pages-read"), CountingSource.pages(counting.ranges()) + " "
                    + CountingSource.pages(needed));
        }
    }
}
