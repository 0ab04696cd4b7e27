package dev.safetensors.hub.internal.download;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Which byte ranges of a partial download are already on disk, so that a download stopped by a crash, a kill or
 * an interrupt resumes with the missing ranges only. One text line per finished range after a first line naming
 * the file (ETag and size): a journal for another file, or one that does not parse, is ignored and the download
 * starts over. A range is recorded after its bytes were written; whatever a crash loses between the two is
 * caught by the content check that ends every download.
 */
final class ResumeJournal {
    private static final String MAGIC = "safetensors-java partial download v1";

    private final Path file;
    private final List<long[]> done;

    private ResumeJournal(Path file, List<long[]> done) {
        this.file = file;
        this.done = done;
    }

    /** The journal at {@code file} for this ETag and size, or a fresh one when it is missing or not for them. */
    static ResumeJournal open(Path file, String etag, long size, boolean dataExists) throws IOException {
        String header = MAGIC + " " + etag + " " + size;
        List<long[]> done = new ArrayList<>();
        if (dataExists && Files.isRegularFile(file)) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
            if (!lines.isEmpty() && lines.get(0).equals(header)) {
                for (String line : lines.subList(1, lines.size())) {
                    long[] r = parse(line, size);
                    if (r != null) {
                        done.add(r);
                    }
                }
            }
        }
        if (done.isEmpty()) {
            Files.writeString(file, header + "\n", StandardCharsets.US_ASCII);
        }
        return new ResumeJournal(file, merge(done));
    }

    private static long[] parse(String line, long size) {
        String[] parts = line.strip().split(" ");
        try {
            long s = Long.parseLong(parts[0]);
            long e = Long.parseLong(parts[1]);
            return parts.length == 2 && s >= 0 && s < e && e <= size ? new long[] {s, e} : null;
        } catch (RuntimeException ex) {
            return null;   // a line cut by a crash
        }
    }

    /** The ranges on disk, sorted and merged. */
    List<long[]> done() {
        return done;
    }

    /** Bytes on disk. */
    long doneBytes() {
        return done.stream().mapToLong(r -> r[1] - r[0]).sum();
    }

    /** The ranges of {@code [0, size)} not on disk. */
    List<long[]> missing(long size) {
        List<long[]> out = new ArrayList<>();
        long at = 0;
        for (long[] r : done) {
            if (r[0] > at) {
                out.add(new long[] {at, r[0]});
            }
            at = Math.max(at, r[1]);
        }
        if (at < size) {
            out.add(new long[] {at, size});
        }
        return out;
    }

    synchronized void record(long start, long end) throws IOException {
        Files.writeString(file, start + " " + end + "\n", StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
    }

    void delete() throws IOException {
        Files.deleteIfExists(file);
    }

    private static List<long[]> merge(List<long[]> ranges) {
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        List<long[]> out = new ArrayList<>();
        for (long[] r : ranges) {
            if (!out.isEmpty() && r[0] <= out.getLast()[1]) {
                out.getLast()[1] = Math.max(out.getLast()[1], r[1]);
            } else {
                out.add(r.clone());
            }
        }
        return out;
    }
}
