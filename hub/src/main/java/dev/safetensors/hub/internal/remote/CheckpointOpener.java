package dev.safetensors.hub.internal.remote;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.hub.HfUri;
import dev.safetensors.hub.HubHttpException;
import dev.safetensors.hub.internal.HubContext;
import dev.safetensors.hub.internal.cache.CacheLayout;
import dev.safetensors.hub.internal.http.Transport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Opens checkpoints on the Hub or a plain HTTP server without downloading them: a file becomes a
 * {@link RemoteByteSource} under core's {@link SafeTensorsFile}; a repository or folder means its
 * {@code model.safetensors.index.json}, else its {@code model.safetensors} (the index first, as
 * {@link Checkpoint#open(Path)} prefers it in a directory). A file the cache already holds (its blob named by
 * the ETag the Hub announces) is opened there instead, and offline ({@code HF_HUB_OFFLINE}) only the cache is
 * read.
 */
public final class CheckpointOpener {
    public static final String INDEX = "model.safetensors.index.json";
    public static final String SINGLE = "model.safetensors";

    private final HubContext hub;

    public CheckpointOpener(HubContext hub) {
        this.hub = hub;
    }

    /** A file, an index, or a repository or folder holding one of the standard names. */
    public Checkpoint open(HfUri uri, OpenOptions options) {
        String path = uri.path();
        if (path.endsWith(".safetensors")) {
            return openFile(uri, options);
        }
        if (path.endsWith(".json")) {
            return openIndex(uri, options);
        }
        HfUri index = uri.withPath(join(uri.path(), INDEX));
        if (hub.offline()) {
            return hub.cache().cached(index).isPresent() ? openIndex(index, options)
                    : openFile(uri.withPath(join(uri.path(), SINGLE)), options);
        }
        try {
            return openIndex(index, options);
        } catch (SafeTensorsException e) {
            if (!(e.getCause() instanceof HubHttpException h) || !h.entryNotFound()) {
                throw e;
            }
        }
        try {
            return openFile(uri.withPath(join(uri.path(), SINGLE)), options);
        } catch (SafeTensorsException e) {
            if (e.getCause() instanceof HubHttpException h && h.entryNotFound()) {
                throw new SafeTensorsException(SafeTensorsException.Kind.IoError, uri.toString(), "neither " + INDEX
                        + " nor " + SINGLE + " is in " + (path.isEmpty() ? "the repository" : "folder `" + path + "`")
                        + " at revision " + uri.revisionOrDefault() + "; name the checkpoint file", e.getCause());
            }
            throw e;
        }
    }

    /** One safetensors file: from the cache when it holds it, else through range requests. */
    public SafeTensorsFile openFile(HfUri file, OpenOptions options) {
        Optional<Path> local = hub.offline() || file.pinned() ? hub.cache().cached(file) : Optional.empty();
        if (local.isPresent()) {
            return SafeTensorsFile.open(local.get(), options);
        }
        if (hub.offline()) {
            throw notCached(file);
        }
        RemoteFile probe;
        try {
            probe = RemoteFile.probe(hub.transport(), hub.resolveUrl(file, file.revisionOrDefault()), hub.headBytes(),
                    redirect -> cachedBlob(file, redirect).isPresent());
        } catch (IOException e) {
            // The network is down but the cache may still hold the revision: use it, as the Python client does.
            Optional<Path> fallback = e instanceof HubHttpException ? Optional.empty() : hub.cache().cached(file);
            if (fallback.isPresent()) {
                return SafeTensorsFile.open(fallback.get(), options);
            }
            throw HubContext.ioError(file.toString(), "cannot open", e);
        }
        Optional<Path> blob = blobOf(file, probe);
        if (blob.isPresent()) {
            return SafeTensorsFile.open(blob.get(), options);
        }
        return SafeTensorsFile.open(new RemoteByteSource(hub.reader(), hub.ranges(), probe, file.toString()),
                options.maxHeaderSize());
    }

    /** A file on a plain HTTP(S) server. */
    public SafeTensorsFile openUrl(URI url, OpenOptions options) {
        String description = Transport.describe(url);
        RemoteFile probe;
        try {
            probe = RemoteFile.probe(hub.transport(), url, hub.headBytes(), h -> false);
        } catch (IOException e) {
            throw HubContext.ioError(description, "cannot open", e);
        }
        return SafeTensorsFile.open(new RemoteByteSource(hub.reader(), hub.ranges(), probe, description),
                options.maxHeaderSize());
    }

    private Checkpoint openIndex(HfUri index, OpenOptions options) {
        throw new SafeTensorsException(SafeTensorsException.Kind.IoError, index.toString(),
                "sharded remote checkpoints are not supported yet");
    }

    /** The blob a redirect announces, when the cache holds it whole (its ETag names it, its size matches). */
    private Optional<Path> cachedBlob(HfUri file, HttpHeaders redirect) {
        String etag = RemoteFile.normalizeEtag(redirect.firstValue("X-Linked-Etag").orElse(null));
        long size = redirect.firstValueAsLong("X-Linked-Size").orElse(-1);
        return existingBlob(file, etag, size);
    }

    private Optional<Path> blobOf(HfUri file, RemoteFile probe) {
        return probe.commit() == null ? Optional.empty() : existingBlob(file, probe.etag(), probe.size());
    }

    private Optional<Path> existingBlob(HfUri file, String etag, long size) {
        if (!CacheLayout.safeEtag(etag)) {
            return Optional.empty();
        }
        Path blob = hub.cache().blob(file.type(), file.repoId(), etag);
        try {
            return Files.isRegularFile(blob) && Files.size(blob) == size ? Optional.of(blob) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private SafeTensorsException notCached(HfUri file) {
        String where = hub.cache().commitOf(file)
                .map(c -> hub.cache().pointer(file.type(), file.repoId(), c, file.path()).toString())
                .orElse(hub.cache().ref(file.type(), file.repoId(), file.revisionOrDefault()) + " (no such revision)");
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, file.toString(),
                "offline (HF_HUB_OFFLINE) and the cache does not hold it: " + where);
    }

    static String join(String folder, String name) {
        return folder.isEmpty() ? name : folder + "/" + name;
    }
}
