package dev.safetensors.hub.internal.download;

import dev.safetensors.hub.DownloadListener;
import dev.safetensors.hub.internal.HubContext;
import dev.safetensors.hub.internal.remote.RemoteFile;
import dev.safetensors.hub.internal.remote.ServedFrom;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Downloads one file to its final place without ever leaving a partial or wrong file there: the bytes go to a
 * temp file beside it ({@code NAME.…incomplete}), fetched as parallel ranges, flushed to disk, checked against the
 * content hash the ETag names (hashed as they land: {@link RunningHash}), and only then renamed into place. A
 * resumable download (one whose ETag is a
 * content hash, written under the cache lock) keeps its temp file under a fixed name with a {@link ResumeJournal},
 * so that after a crash or an interrupt the next download fetches only the missing ranges; any other failure
 * (the server's answers contradict each other, a wrong checksum, retries exhausted) removes the temp file (the
 * Python client keeps its {@code blobs/ETAG.incomplete} and resumes from its length: {@code _download_to_tmp_and_move}).
 */
final class FileFetch {
    private static final SecureRandom RANDOM = new SecureRandom();

    private FileFetch() {
    }

    /**
     * Fetches {@code file} (already probed: its location, size, ETag and first bytes) into {@code target}.
     *
     * @param tempStem  where temp files go, without suffix (e.g. {@code blobs/ETAG})
     * @param resumable whether to keep a resumable temp file (the caller holds the lock on it)
     * @param name      the file's repository path, for messages and the listener
     */
    static void fetch(HubContext hub, RemoteFile file, Path target, Path tempStem, boolean resumable, String name,
            DownloadListener listener) throws IOException {
        Optional<ContentCheck> check = ContentCheck.of(file.etag());
        boolean resume = resumable && check.isPresent();
        Path temp = resume ? sibling(tempStem, ".resumable.incomplete")
                : sibling(tempStem, "." + HexFormat.of().toHexDigits(RANDOM.nextInt()) + ".incomplete");
        Path journalFile = sibling(tempStem, ".resumable-ranges.incomplete");
        boolean keepTemp = false;
        try {
            ResumeJournal journal = resume ? ResumeJournal.open(journalFile, file.etag(), file.size(), Files.exists(temp))
                    : null;
            long already = journal == null ? 0 : journal.doneBytes();
            listener.fileStarted(name, file.size(), already);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    already == 0 ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.WRITE);
                 RunningHash hash = check.map(c -> new RunningHash(c, temp, file.size())).orElse(null)) {
                List<long[]> missing = journal == null ? List.of(new long[] {0, file.size()}) : journal.missing(file.size());
                if (journal != null && hash != null) {
                    journal.done().forEach(r -> hash.landed(r[0], r[1]));
                }
                missing = writeHead(ch, file, missing, journal, hash, name, listener);
                // A server that ignores Range sends the whole file to every request: read it as one stream.
                List<long[]> chunks = file.ranged() ? split(missing, hub.ranges().chunkSize()) : missing;
                ServedFrom servedFrom = new ServedFrom(hub.transport(), file);
                hub.ranges().all(chunks, (s, e) -> {
                    servedFrom.read(hub.reader(), s, e, (pos, bytes) -> {
                        int n = bytes.remaining();
                        writeFully(ch, bytes, pos);
                        listener.progress(name, n);
                    });
                    if (journal != null) {
                        journal.record(s, e);
                    }
                    if (hash != null) {
                        hash.landed(s, e);
                    }
                });
                ch.force(true);
                if (hash != null) {
                    hash.verify(name);
                }
            }
            if (Files.size(temp) != file.size()) {
                throw new IOException(name + ": " + Files.size(temp) + " bytes arrived, the server promised "
                        + file.size());
            }
            move(temp, target);
            if (journal != null) {
                journal.delete();
            }
            listener.fileFinished(name, target);
        } catch (InterruptedIOException e) {
            keepTemp = resume;   // stopped, not failed: the next download resumes
            throw e;
        } finally {
            if (!keepTemp) {
                Files.deleteIfExists(temp);
                if (resume) {
                    Files.deleteIfExists(journalFile);
                }
            }
        }
    }

    /** Writes the probe's bytes when they start a missing range; returns what is still missing. */
    private static List<long[]> writeHead(FileChannel ch, RemoteFile file, List<long[]> missing, ResumeJournal journal,
            RunningHash hash, String name, DownloadListener listener) throws IOException {
        byte[] head = file.head();
        if (head.length == 0 || missing.isEmpty() || missing.getFirst()[0] != 0) {
            return missing;
        }
        int n = (int) Math.min(head.length, missing.getFirst()[1]);
        writeFully(ch, ByteBuffer.wrap(head, 0, n), 0);
        if (journal != null) {
            journal.record(0, n);
        }
        if (hash != null) {
            hash.landed(0, n);
        }
        listener.progress(name, n);
        List<long[]> rest = new ArrayList<>(missing);
        long[] first = rest.removeFirst();
        if (first[1] > n) {
            rest.addFirst(new long[] {n, first[1]});
        }
        return rest;
    }

    private static List<long[]> split(List<long[]> ranges, long chunk) {
        List<long[]> out = new ArrayList<>();
        for (long[] r : ranges) {
            for (long s = r[0]; s < r[1]; s += chunk) {
                out.add(new long[] {s, Math.min(r[1], s + chunk)});
            }
        }
        return out;
    }

    private static void writeFully(FileChannel ch, ByteBuffer bytes, long position) throws IOException {
        long at = position;
        while (bytes.hasRemaining()) {
            at += ch.write(bytes, at);
        }
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static Path sibling(Path stem, String suffix) {
        return stem.resolveSibling(stem.getFileName() + suffix);
    }
}
