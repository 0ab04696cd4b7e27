package dev.safetensors.hub.internal.download;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.hub.DownloadListener;
import dev.safetensors.hub.DownloadOptions;
import dev.safetensors.hub.HfUri;
import dev.safetensors.hub.HubHttpException;
import dev.safetensors.hub.internal.HubContext;
import dev.safetensors.hub.internal.Tasks;
import dev.safetensors.hub.internal.cache.CacheLayout;
import dev.safetensors.hub.internal.cache.CacheLock;
import dev.safetensors.hub.internal.cache.CacheWriter;
import dev.safetensors.hub.internal.http.Exchange;
import dev.safetensors.hub.internal.remote.RemoteFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Downloads into the cache as {@code hf_hub_download} and {@code snapshot_download} do ({@code file_download.py},
 * {@code _snapshot_download.py}), or into a local folder as with {@code --local-dir}. A single file is probed
 * first (its commit, ETag, size and first bytes in one request); a repository or folder is listed once (its
 * commit and every file's ETag), files already in place are skipped without a request, and the others are
 * fetched side by side, each blob under its lock. The snapshot is pinned to the listed commit, so a branch moving
 * during the download cannot mix two versions.
 */
public final class Downloads {
    /** The probe of a file to download asks for this much: small files arrive whole in it. */
    private static final int PROBE_BYTES = 1 << 20;

    private final HubContext hub;
    private final CacheLayout layout;
    private final CacheWriter writer;

    public Downloads(HubContext hub) {
        this.hub = hub;
        this.layout = hub.cache();
        this.writer = new CacheWriter(hub.cache());
    }

    /** A file, or a repository or folder; returns the file's path, or the folder holding the files. */
    public Path download(HfUri uri, DownloadOptions options) {
        try {
            if (hub.offline()) {
                return offline(uri, options);
            }
            if (uri.pinned() && options.localDir() == null && !uri.path().isEmpty()) {
                Optional<Path> cached = layout.cached(uri).filter(Files::isRegularFile);
                if (cached.isPresent()) {
                    return cached.get();   // a commit never changes: nothing to ask
                }
            }
            if (uri.path().isEmpty()) {
                return snapshot(uri, options);
            }
            RemoteFile probe;
            try {
                probe = probe(uri, uri.revisionOrDefault(), null);
            } catch (HubHttpException e) {
                if (e.entryNotFound()) {
                    return snapshot(uri, options);   // not a file: a folder
                }
                throw e;
            }
            String commit = commitOf(uri, probe);
            options.listener().started(1, probe.size());
            Path path = place(uri, commit, probe.etag(), probe, options);
            if (options.localDir() == null) {
                writer.ref(uri.type(), uri.repoId(), uri.revisionOrDefault(), commit);
            }
            options.listener().finished();
            return path;
        } catch (IOException e) {
            throw HubContext.ioError(uri.toString(), "cannot download", e);
        }
    }

    private Path snapshot(HfUri uri, DownloadOptions options) throws IOException {
        RepoListing listing = RepoListing.fetch(hub, uri.withPath(""));
        String commit = listing.commit();
        Globs globs = new Globs(options.include(), options.exclude());
        String prefix = uri.path().isEmpty() ? "" : uri.path() + "/";
        List<RepoListing.Entry> selected = listing.files().stream()
                .filter(f -> f.path().startsWith(prefix) && globs.keeps(f.path())).toList();
        if (!prefix.isEmpty() && listing.files().stream().noneMatch(f -> f.path().startsWith(prefix))) {
            throw new HubHttpException(404, "EntryNotFound", uri.toString(), "404 Not Found (EntryNotFound): "
                    + uri + " is neither a file nor a folder of the repository at commit " + commit);
        }
        List<RepoListing.Entry> todo = new ArrayList<>();
        long bytes = 0;
        for (RepoListing.Entry f : selected) {
            if (!inPlace(uri, commit, f, options)) {
                todo.add(f);
                bytes += Math.max(0, f.size());
            }
        }
        options.listener().started(todo.size(), bytes);
        List<Tasks.IoTask> work = new ArrayList<>();
        for (RepoListing.Entry f : todo) {
            work.add(() -> {
                HfUri file = uri.withPath(f.path());
                RemoteFile probe = probe(file, commit, f);
                place(file, commit, f.etag() != null ? f.etag() : probe.etag(), probe, options);
            });
        }
        Tasks.all(work);
        if (options.localDir() != null) {
            options.listener().finished();
            return uri.path().isEmpty() ? options.localDir() : options.localDir().resolve(uri.path());
        }
        Path snapshot = layout.snapshot(uri.type(), uri.repoId(), commit);
        Files.createDirectories(snapshot);   // before the ref: a ref to no snapshot is a corrupt cache to Python
        writer.ref(uri.type(), uri.repoId(), uri.revisionOrDefault(), commit);
        options.listener().finished();
        return uri.path().isEmpty() ? snapshot : snapshot.resolve(uri.path());
    }

    private boolean inPlace(HfUri repo, String commit, RepoListing.Entry f, DownloadOptions options) {
        if (options.localDir() != null) {
            return new LocalFolder(options.localDir()).upToDate(f.path(), f.etag());
        }
        if (Files.exists(layout.pointer(repo.type(), repo.repoId(), commit, f.path()))) {
            return true;
        }
        return f.etag() != null && blobComplete(repo, f.etag(), f.size());
    }

    /** Puts one probed file in place: the cache's blob and snapshot link, or the local folder's file. */
    private Path place(HfUri file, String commit, String etag, RemoteFile probe, DownloadOptions options)
            throws IOException {
        if (!CacheLayout.safeEtag(etag)) {
            throw new IOException(file + ": the Hub gave no usable ETag (`" + etag + "`), so the file cannot be"
                    + " named in the cache or verified");
        }
        if (options.localDir() != null) {
            return toLocal(file, commit, etag, probe, options.listener(), new LocalFolder(options.localDir()));
        }
        Path pointer = layout.pointer(file.type(), file.repoId(), commit, file.path());
        if (Files.exists(pointer)) {
            return pointer;
        }
        Path blob = layout.blob(file.type(), file.repoId(), etag);
        if (!blobComplete(file, etag, probe.size())) {
            writer.tagCache();
            Files.createDirectories(blob.getParent());
            try (CacheLock lock = CacheLock.acquire(layout.lock(file.type(), file.repoId(), etag))) {
                if (!blobComplete(file, etag, probe.size())) {
                    RemoteFile full = probe.location() != null ? probe : probe(file, commit, null);
                    FileFetch.fetch(hub, full, blob, blob, true, file.path(), options.listener());
                }
            }
        }
        return writer.link(file.type(), file.repoId(), commit, file.path(), etag);
    }

    private Path toLocal(HfUri file, String commit, String etag, RemoteFile probe, DownloadListener listener,
            LocalFolder folder) throws IOException {
        Path target = folder.file(file.path());
        if (folder.upToDate(file.path(), etag)) {
            return target;
        }
        folder.prepare();
        Files.createDirectories(target.getParent());
        Files.createDirectories(folder.lock(file.path()).getParent());
        try (CacheLock lock = CacheLock.acquire(folder.lock(file.path()))) {
            if (!folder.upToDate(file.path(), etag)) {
                RemoteFile full = probe.location() != null ? probe : probe(file, commit, null);
                FileFetch.fetch(hub, full, target, folder.tempStem(file.path(), etag), true, file.path(), listener);
                folder.record(file.path(), commit, etag);
            }
        }
        return target;
    }

    /**
     * GETs the first bytes of a file at a revision (stopping at the Hub's redirect when the cache holds the blob it
     * names), and checks the answer against what the listing said.
     */
    private RemoteFile probe(HfUri file, String revision, RepoListing.Entry listed) throws IOException {
        RemoteFile probe = hub.ranges().request(() -> RemoteFile.probe(hub.transport(), hub.resolveUrl(file, revision),
                (int) Math.min(PROBE_BYTES, hub.ranges().chunkSize()), redirect -> {
                    String etag = RemoteFile.normalizeEtag(redirect.firstValue("X-Linked-Etag").orElse(null));
                    long size = Exchange.size(redirect.firstValue("X-Linked-Size")).orElse(-1);
                    return CacheLayout.safeEtag(etag) && blobComplete(file, etag, size);
                }));
        if (listed != null && listed.etag() != null && probe.etag() != null && !listed.etag().equals(probe.etag())) {
            throw new IOException(file + ": the file list says ETag " + listed.etag() + ", the file itself "
                    + probe.etag() + "; the repository changed during the download, try again");
        }
        return probe;
    }

    private static String commitOf(HfUri file, RemoteFile probe) throws IOException {
        if (!CacheLayout.isCommit(probe.commit())) {
            throw new IOException(file + ": the server sent no commit (X-Repo-Commit), so it is not a Hub and the"
                    + " file cannot be placed in the cache");
        }
        if (file.pinned() && !file.revision().equals(probe.commit())) {
            throw new IOException(file + ": asked for commit " + file.revision() + ", the Hub answered for "
                    + probe.commit());
        }
        return probe.commit();
    }

    private boolean blobComplete(HfUri file, String etag, long size) {
        Path blob = layout.blob(file.type(), file.repoId(), etag);
        try {
            return Files.isRegularFile(blob) && (size < 0 || Files.size(blob) == size);
        } catch (IOException e) {
            return false;
        }
    }

    private Path offline(HfUri uri, DownloadOptions options) {
        if (options.localDir() != null) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, uri.toString(),
                    "offline (HF_HUB_OFFLINE): nothing can be downloaded to " + options.localDir());
        }
        return layout.cached(uri).orElseThrow(() -> new SafeTensorsException(SafeTensorsException.Kind.IoError,
                uri.toString(), "offline (HF_HUB_OFFLINE) and the cache does not hold it (looked in "
                        + layout.repo(uri.type(), uri.repoId()) + ")"));
    }
}
