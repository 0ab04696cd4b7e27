package dev.safetensors.hub.internal.remote;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.ShardIndex;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.hub.HfUri;
import dev.safetensors.hub.HubHttpException;
import dev.safetensors.hub.internal.HubContext;
import dev.safetensors.hub.internal.HubUrls;
import dev.safetensors.hub.internal.Tasks;
import dev.safetensors.hub.internal.cache.CacheLayout;
import dev.safetensors.hub.internal.http.Exchange;
import dev.safetensors.hub.internal.http.Transport;
import dev.safetensors.io.ByteSource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Opens checkpoints on the Hub or a plain HTTP server without downloading them: a file becomes a
 * {@link RemoteByteSource} under core's {@link SafeTensorsFile}; a repository or folder means its
 * {@code model.safetensors.index.json}, else its {@code model.safetensors} (the index first: a sharded repository
 * then costs no failed probe; transformers takes {@code model.safetensors} when both exist). A file the cache already holds (its blob named by
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
        return SafeTensorsFile.open(source(file, file, options), options.maxHeaderSize());
    }

    /** A file (or an index of shards) on a plain HTTP(S) server. */
    public Checkpoint openUrl(URI url, OpenOptions options) {
        String description = Transport.describe(url);
        if (url.getPath() != null && url.getPath().endsWith(".json")) {
            RemoteFile probe = probe(url, description);
            ShardIndex index = ShardIndex.parse(whole(probe, description, options), description);
            return shards(index, description, shard -> urlSource(url.resolve(HubUrls.quote(shard, false)), options),
                    options);
        }
        return SafeTensorsFile.open(urlSource(url, options), options.maxHeaderSize());
    }

    private ByteSource urlSource(URI url, OpenOptions options) {
        String description = Transport.describe(url);
        return RemoteByteSource.open(hub.reader(), hub.ranges(), probe(url, description), description,
                options.maxHeaderSize());
    }

    private RemoteFile probe(URI url, String description) {
        try {
            return hub.ranges().request(() -> RemoteFile.probe(hub.transport(), url, hub.headBytes(), h -> false));
        } catch (IOException e) {
            throw HubContext.ioError(description, "cannot open", e);
        }
    }

    /**
     * A sharded checkpoint from its index: the index is read whole (at most the header limit), the shards are
     * pinned to the commit the index came from (a branch that moves meanwhile cannot mix two versions), and
     * their headers are fetched side by side.
     */
    private Checkpoint openIndex(HfUri index, OpenOptions options) {
        Located at = locate(index, index.toString(), h -> false);
        if (at.local() != null) {
            return cachedShards(index, at.local(), options);
        }
        RemoteFile probe = at.probe();
        ShardIndex shardIndex = ShardIndex.parse(whole(probe, index.toString(), options), index.toString());
        HfUri pinned = CacheLayout.isCommit(probe.commit()) ? index.withRevision(probe.commit()) : index;
        String folder = index.parentPath();
        return shards(shardIndex, index.toString(), shard -> source(pinned.withPath(join(folder, shard)),
                index.withPath(join(folder, shard)), options), options);
    }

    /** Opens every shard's source in parallel (each at most two requests), then lets core check them both ways. */
    private Checkpoint shards(ShardIndex index, String description, Function<String, ByteSource> open,
            OpenOptions options) {
        Map<String, ByteSource> sources = new ConcurrentHashMap<>();
        List<Tasks.IoTask> work = new ArrayList<>();
        for (String shard : index.shards()) {
            work.add(() -> sources.put(shard, open.apply(shard)));
        }
        try {
            Tasks.all(work);
        } catch (IOException e) {
            sources.values().forEach(ByteSource::close);
            throw HubContext.ioError(description, "cannot open the shards", e);
        } catch (RuntimeException | Error e) {
            sources.values().forEach(ByteSource::close);
            throw e;
        }
        return ShardedCheckpoint.open(index, description, sources::get, options.maxHeaderSize());
    }

    /**
     * The bytes of one file: the cached copy when the cache holds it (by the commit, or by the blob the Hub
     * names), else a remote source whose header is already fetched.
     *
     * @param fetch       the file at the revision to fetch it at
     * @param description the file as the caller named it, for messages
     */
    private ByteSource source(HfUri fetch, HfUri description, OpenOptions options) {
        Located at = locate(fetch, description.toString(), redirect -> cachedBlob(fetch, redirect).isPresent());
        if (at.local() != null) {
            return ByteSource.open(at.local(), options);
        }
        RemoteFile probe = at.probe();
        Optional<Path> blob = blobOf(fetch, probe);
        if (blob.isPresent()) {
            return ByteSource.open(blob.get(), options);
        }
        if (probe.location() == null) {
            // It stopped at a redirect naming a cached blob that is gone now: ask again, for the bytes this time.
            probe = locate(fetch, description.toString(), h -> false).probe();
        }
        return RemoteByteSource.open(hub.reader(), hub.ranges(), probe, description.toString(), options.maxHeaderSize());
    }

    /**
     * An index in a cache snapshot with its shards beside it: each shard a link into the repository's
     * {@code blobs/}, which must resolve inside the repository's cache folder (a snapshot is links by design; a link
     * elsewhere is refused as core refuses shard links out of a directory).
     */
    private Checkpoint cachedShards(HfUri index, Path indexFile, OpenOptions options) {
        Path repo = hub.cache().repo(index.type(), index.repoId());
        String description = indexFile.toString();
        byte[] json;
        try {
            long size = Files.size(indexFile);
            if (size > options.maxHeaderSize()) {
                throw new SafeTensorsException(SafeTensorsException.Kind.HeaderTooLarge, description, "the index has "
                        + size + " bytes, more than the limit of " + options.maxHeaderSize());
            }
            json = Files.readAllBytes(indexFile);
        } catch (IOException e) {
            throw HubContext.ioError(description, "cannot read the index", e);
        }
        ShardIndex shardIndex = ShardIndex.parse(json, description);
        return shards(shardIndex, description, shard -> {
            Path pointer = indexFile.resolveSibling(shard);
            try {
                Path real = pointer.toRealPath();
                if (!real.startsWith(repo.toRealPath())) {
                    throw new SafeTensorsException(SafeTensorsException.Kind.InvalidHeaderDeserialization, description,
                            "shard `" + shard + "` is a link to " + real + ", outside the cache folder " + repo);
                }
                return ByteSource.open(real, options);
            } catch (IOException e) {
                throw HubContext.ioError(description, "shard `" + shard + "` is not in the cache", e);
            }
        }, options);
    }

    /** Where a file's bytes come from: a cached copy, or else the probe of the remote file. */
    private record Located(Path local, RemoteFile probe) {
    }

    /**
     * The cached copy when it is to be used (offline, or a pinned commit the cache holds, or the network is down
     * and the cache holds the revision, as the Python client falls back), else the probe (stopping at a redirect
     * {@code stopAt} accepts).
     */
    private Located locate(HfUri fetch, String description, java.util.function.Predicate<HttpHeaders> stopAt) {
        Optional<Path> local = hub.offline() || fetch.pinned() ? hub.cache().cached(fetch) : Optional.empty();
        if (local.isPresent()) {
            return new Located(local.get(), null);
        }
        if (hub.offline()) {
            throw notCached(fetch);
        }
        try {
            return new Located(null, hub.ranges().request(() -> RemoteFile.probe(hub.transport(),
                    hub.resolveUrl(fetch, fetch.revisionOrDefault()), hub.headBytes(), stopAt)));
        } catch (IOException e) {
            Optional<Path> fallback = e instanceof HubHttpException ? Optional.empty() : hub.cache().cached(fetch);
            if (fallback.isPresent()) {
                return new Located(fallback.get(), null);
            }
            throw HubContext.ioError(description, "cannot open", e);
        }
    }

    /** A small file whole (an index): the probe's bytes, and the rest when it is longer. */
    private byte[] whole(RemoteFile probe, String description, OpenOptions options) {
        if (probe.size() > options.maxHeaderSize()) {
            throw new SafeTensorsException(SafeTensorsException.Kind.HeaderTooLarge, description, "the index has "
                    + probe.size() + " bytes, more than the limit of " + options.maxHeaderSize());
        }
        byte[] all = java.util.Arrays.copyOf(probe.head(), (int) probe.size());
        if (probe.head().length < all.length) {
            try {
                hub.reader().read(probe.location(), probe.head().length, all.length, probe.size(),
                        (at, bytes) -> bytes.get(all, (int) at, bytes.remaining()));
            } catch (IOException e) {
                throw HubContext.ioError(description, "cannot read the index", e);
            }
        }
        return all;
    }

    /** The blob a redirect announces, when the cache holds it whole (its ETag names it, its size matches). */
    private Optional<Path> cachedBlob(HfUri file, HttpHeaders redirect) {
        String etag = RemoteFile.normalizeEtag(redirect.firstValue("X-Linked-Etag").orElse(null));
        long size = Exchange.size(redirect.firstValue("X-Linked-Size")).orElse(-1);
        return existingBlob(file, etag, size);
    }

    /**
     * The cached blob the probe names: a Hub's answer (with its commit) or the Hub's redirect the probe stopped at
     * (its {@code X-Linked-Etag}, with or without a commit); a plain server's ETag names nothing in the cache.
     */
    private Optional<Path> blobOf(HfUri file, RemoteFile probe) {
        return probe.commit() == null && probe.location() != null ? Optional.empty()
                : existingBlob(file, probe.etag(), probe.size());
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
