package dev.safetensors.hub.internal.download;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.hub.HfUri;
import dev.safetensors.hub.internal.HubContext;
import dev.safetensors.hub.internal.HubUrls;
import dev.safetensors.hub.internal.cache.CacheLayout;
import dev.safetensors.hub.internal.http.Exchange;
import dev.safetensors.hub.internal.remote.RemoteFile;
import dev.safetensors.internal.json.JsonReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A repository's files at a revision, from {@code GET /api/models/ID/revision/REV?blobs=true}: the commit the
 * revision resolves to ({@code sha}) and each file ({@code siblings}: {@code rfilename}, {@code size},
 * {@code blobId}, and for large files {@code lfs.sha256}), as the Python client's {@code model_info(...,
 * files_metadata=True)} reads it. The answer is untrusted: every path must stay inside the repository, and the
 * commit must be a commit hash.
 *
 * @param commit the commit
 * @param files  the files, in the Hub's order
 */
record RepoListing(String commit, List<Entry> files) {
    /** At most this many bytes of listing are read (a repository of 10^5 files lists in ~20 MB). */
    private static final int MAX_BYTES = 256 << 20;

    /**
     * One file.
     *
     * @param path the repository path
     * @param size its size, or -1 when not listed
     * @param etag what its ETag will be (the LFS SHA-256, else the git blob id), or null
     */
    record Entry(String path, long size, String etag) {
    }

    static RepoListing fetch(HubContext hub, HfUri repo) throws IOException {
        URI url = URI.create(HubUrls.repoInfo(hub.endpoint(), repo.type(), repo.repoId(), repo.revisionOrDefault())
                + "?blobs=true");
        byte[] json;
        try (Exchange x = hub.transport().get(url); InputStream in = x.body()) {
            if (x.status() != 200) {
                throw new IOException("unexpected status " + x.status() + " listing " + repo);
            }
            json = in.readNBytes(MAX_BYTES + 1);
        }
        if (json.length > MAX_BYTES) {
            throw new IOException("the file list of " + repo + " is larger than " + MAX_BYTES + " bytes");
        }
        return parse(json, repo);
    }

    static RepoListing parse(byte[] json, HfUri repo) {
        String source = repo + " (file list)";
        if (!(JsonReader.parse(json, source) instanceof Map<?, ?> root)) {
            throw invalid(source, "the answer is not a JSON object");
        }
        if (!(root.get("sha") instanceof String commit) || !CacheLayout.isCommit(commit)) {
            throw invalid(source, "`sha` is not a commit hash");
        }
        if (!(root.get("siblings") instanceof List<?> siblings)) {
            throw invalid(source, "`siblings` (the files) is missing");
        }
        List<Entry> files = new ArrayList<>(siblings.size());
        for (Object o : siblings) {
            if (!(o instanceof Map<?, ?> s) || !(s.get("rfilename") instanceof String path)) {
                throw invalid(source, "a file entry has no `rfilename`");
            }
            try {
                repo.withPath(path);   // refuses paths that would leave the repository
            } catch (IllegalArgumentException e) {
                throw invalid(source, e.getMessage());
            }
            long size = s.get("size") instanceof Long l && l >= 0 ? l : -1;
            String etag = null;
            if (s.get("lfs") instanceof Map<?, ?> lfs && lfs.get("sha256") instanceof String sha) {
                etag = sha;
                size = lfs.get("size") instanceof Long l && l >= 0 ? l : size;
            } else if (s.get("blobId") instanceof String blob) {
                etag = blob;
            }
            etag = RemoteFile.normalizeEtag(etag);
            files.add(new Entry(path, size, CacheLayout.safeEtag(etag) ? etag : null));
        }
        return new RepoListing(commit, List.copyOf(files));
    }

    private static SafeTensorsException invalid(String source, String detail) {
        return new SafeTensorsException(SafeTensorsException.Kind.InvalidHeaderDeserialization, source,
                "invalid file list: " + detail);
    }
}
