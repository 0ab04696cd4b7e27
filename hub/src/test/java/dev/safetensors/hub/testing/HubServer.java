package dev.safetensors.hub.testing;

import dev.safetensors.hub.RepoType;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hub-shaped HTTP service for tests, served by a real nginx: {@code /REPO/resolve/REV/PATH} answers small files
 * directly (with {@code X-Repo-Commit} and their git blob id as {@code ETag}) and redirects large (LFS) files to a
 * second host name ({@code localhost} instead of {@code 127.0.0.1}, another port) with {@code X-Linked-Etag}
 * (their SHA-256) and {@code X-Linked-Size}; a missing file is {@code 404} with {@code X-Error-Code: EntryNotFound},
 * an unknown revision {@code RevisionNotFound}, an unknown repository (or a private one without its token)
 * {@code 401} with {@code RepoNotFound}, as the Hub answers. {@code /api/models/REPO/revision/REV} lists the files.
 * Both hosts log every request (method, address, range, authorization, status, bytes), which the tests count.
 */
public final class HubServer implements AutoCloseable {
    private static final Pattern LOG = Pattern.compile(
            "(\\S+) \"([^\"]*)\" \"([^\"]*)\" \"([^\"]*)\" (\\d+) (\\d+)");

    /** One logged request. {@code authorization} is null when none was sent. */
    public record Request(String host, String method, String uri, String range, String authorization, int status,
            long bytes) {
    }

    private final Nginx nginx;
    private final Path dir;
    private final int hubPort;
    private final int cdnPort;
    private final Map<String, Repo> repos;
    private int hubSeen;
    private int cdnSeen;

    private HubServer(Nginx nginx, Path dir, int hubPort, int cdnPort, Map<String, Repo> repos) {
        this.nginx = nginx;
        this.dir = dir;
        this.hubPort = hubPort;
        this.cdnPort = cdnPort;
        this.repos = repos;
    }

    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** {@code http://127.0.0.1:PORT}: the Hub endpoint. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + hubPort);
    }

    /**
     * A client of this server for tests: no token (unless set), the given cache, online, retries after 5 ms so
     * that fault tests stay fast.
     */
    public dev.safetensors.hub.HubClient.Builder client(Path cache) {
        return dev.safetensors.hub.HubClient.builder().endpoint(endpoint()).token(null).cacheDir(cache).offline(false)
                .retries(2, java.time.Duration.ofMillis(5), java.time.Duration.ofMillis(20));
    }

    /** The port of the file server (the redirects' target, host {@code localhost}). */
    public int cdnPort() {
        return cdnPort;
    }

    /** The commit every revision of the repository resolves to. */
    public String commit(String repoId) {
        return repos.get(repoId).commit;
    }

    /** What a file of a repository holds. */
    public byte[] content(String repoId, String path) {
        return repos.get(repoId).files.get(path).content;
    }

    /** The SHA-256 of an LFS file (its {@code X-Linked-Etag}), or the git blob id of a small one. */
    public String etag(String repoId, String path) {
        FileSpec f = repos.get(repoId).files.get(path);
        return f.lfs ? sha256(f.content) : gitBlobId(f.content);
    }

    /** The folder nginx serves from. */
    public Path root() {
        return dir;
    }

    /** Forgets the requests logged so far. */
    public void clearRequests() throws IOException {
        readLogs(true);
    }

    /** The requests both hosts logged since the last {@link #clearRequests()}, the Hub's first. */
    public List<Request> requests() throws IOException {
        return readLogs(false);
    }

    private List<Request> readLogs(boolean forget) throws IOException {
        // A request is logged when nginx finishes it; a marker request on each host, answered after the others,
        // shows when the log is complete.
        String nonce = UUID.randomUUID().toString();
        for (int port : new int[] {hubPort, cdnPort}) {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/__sentinel?" + nonce)
                    .toURL().openConnection();
            c.getResponseCode();
            c.disconnect();
        }
        List<Request> out = new ArrayList<>();
        for (String host : new String[] {"hub", "cdn"}) {
            List<String> lines = List.of();
            int marker = -1;
            for (int tries = 0; tries < 200 && marker < 0; tries++) {
                lines = Files.readAllLines(dir.resolve("logs/" + host + ".log"), StandardCharsets.UTF_8);
                for (int k = lines.size() - 1; k >= 0 && marker < 0; k--) {
                    if (lines.get(k).contains(nonce)) {
                        marker = k;
                    }
                }
                if (marker < 0) {
                    Nginx.sleep(10);
                }
            }
            int from = host.equals("hub") ? hubSeen : cdnSeen;
            for (String line : lines.subList(Math.min(from, Math.max(marker, 0)), Math.max(marker, 0))) {
                Matcher m = LOG.matcher(line);
                if (m.matches() && !m.group(2).startsWith("/__sentinel")) {
                    out.add(new Request(host, m.group(1), m.group(2), dash(m.group(3)), dash(m.group(4)),
                            Integer.parseInt(m.group(5)), Long.parseLong(m.group(6))));
                }
            }
            if (forget) {
                if (host.equals("hub")) {
                    hubSeen = marker + 1;
                } else {
                    cdnSeen = marker + 1;
                }
            }
        }
        return out;
    }

    private static String dash(String s) {
        return s.equals("-") ? null : s;
    }

    @Override
    public void close() {
        nginx.close();
    }

    // ---------------------------------------------------------------- building

    /** A file of a repository: small files are served by the Hub, LFS files by the second host. */
    record FileSpec(byte[] content, boolean lfs, Path local) {
        FileSpec(byte[] content, boolean lfs) {
            this(content, lfs, null);
        }

        long size() {
            try {
                return local != null ? Files.size(local) : content.length;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** A repository: its files, its revisions, the token it needs (null: public). */
    public static final class Repo {
        final RepoType type;
        final String id;
        final String commit;
        final Map<String, FileSpec> files = new LinkedHashMap<>();
        final List<String> revisions = new ArrayList<>(List.of("main"));
        String token;

        Repo(RepoType type, String id) {
            this.type = type;
            this.id = id;
            this.commit = HexFormat.of().formatHex(digest("SHA-1", id.getBytes(StandardCharsets.UTF_8)));
        }

        /** A small file, served directly with its git blob id as ETag. */
        public Repo file(String path, byte[] content) {
            files.put(path, new FileSpec(content, false));
            return this;
        }

        public Repo file(String path, String content) {
            return file(path, content.getBytes(StandardCharsets.UTF_8));
        }

        /** A large (LFS) file, redirected to the second host. */
        public Repo lfs(String path, byte[] content) {
            files.put(path, new FileSpec(content, true));
            return this;
        }

        /** A large file served from {@code local} as it is (linked, not read into memory): for benchmarks. */
        public Repo lfs(String path, Path local) {
            files.put(path, new FileSpec(null, true, local));
            return this;
        }

        /** A branch or tag (besides main) that resolves to the same commit. */
        public Repo revision(String name) {
            revisions.add(name);
            return this;
        }

        /** Private: every request needs {@code Authorization: Bearer TOKEN}. */
        public Repo token(String newToken) {
            this.token = newToken;
            return this;
        }

        String urlPath() {
            return "/" + type.urlPrefix() + id;
        }

        String folder() {
            return type.plural() + "--" + id.replace("/", "--");
        }
    }

    /** Repositories, then {@link #start()}. */
    public static final class Builder {
        private final Path dir;
        private final Map<String, Repo> repos = new LinkedHashMap<>();
        private String cdnBase;
        private int cdnPort;

        Builder(Path dir) {
            this.dir = dir;
        }

        public Builder repo(RepoType type, String id, Consumer<Repo> files) {
            Repo r = new Repo(type, id);
            files.accept(r);
            repos.put(id, r);
            return this;
        }

        public Builder repo(String id, Consumer<Repo> files) {
            return repo(RepoType.MODEL, id, files);
        }

        /**
         * Where the Hub's redirects point instead of the file server (e.g. a fault proxy in front of it, given
         * {@link #fileServerPort(int)}); {@code http://localhost:CDN_PORT} by default.
         */
        public Builder redirectBase(String base) {
            this.cdnBase = base;
            return this;
        }

        /** The file server's port, chosen by the caller (to put a proxy in front of it). */
        public Builder fileServerPort(int port) {
            this.cdnPort = port;
            return this;
        }

        public HubServer start() throws IOException {
            Nginx.binary();
            IOException last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                int hubPort = Nginx.freePort();
                int cdn = cdnPort > 0 ? cdnPort : Nginx.freePort();
                try {
                    write(hubPort, cdn);
                    return new HubServer(Nginx.start(dir, hubPort, cdn), dir, hubPort, cdn, repos);
                } catch (IOException e) {
                    last = e;   // most likely a port taken meanwhile
                }
            }
            throw last;
        }

        private void write(int hubPort, int cdn) throws IOException {
            for (String d : new String[] {"conf", "logs", "tmp", "www/blobs", "www/api", "www/files"}) {
                Files.createDirectories(dir.resolve(d));
            }
            String base = cdnBase != null ? cdnBase : "http://localhost:" + cdn;
            StringBuilder hub = new StringBuilder();
            for (Repo r : repos.values()) {
                writeRepo(r, base, hub);
            }
            String www = dir.resolve("www").toAbsolutePath().toString();
            String listen6 = Nginx.ipv6Loopback() ? "    listen [::1]:" + cdn + ";\n" : "";
            String conf = """
                    daemon off;
                    master_process off;
                    worker_processes 1;
                    pid %1$s/nginx.pid;
                    error_log %1$s/logs/error.log warn;
                    events { worker_connections 1024; }
                    http {
                      default_type application/octet-stream;
                      sendfile on;
                      tcp_nopush on;
                      keepalive_requests 100000;
                      client_body_temp_path %1$s/tmp/body;
                      proxy_temp_path %1$s/tmp/proxy;
                      fastcgi_temp_path %1$s/tmp/fastcgi;
                      uwsgi_temp_path %1$s/tmp/uwsgi;
                      scgi_temp_path %1$s/tmp/scgi;
                      log_format hub '$request_method "$request_uri" "$http_range" "$http_authorization" $status $body_bytes_sent';
                      server {
                        listen 127.0.0.1:%2$d;
                        access_log %1$s/logs/hub.log hub;
                        location = /__sentinel { return 204; }
                    %4$s
                        location / {
                          add_header X-Error-Code RepoNotFound always;
                          add_header X-Error-Message "Repository not found" always;
                          return 401;
                        }
                      }
                      server {
                        listen 127.0.0.1:%3$d;
                    %6$s    access_log %1$s/logs/cdn.log hub;
                        location = /__sentinel { return 204; }
                        location /blobs/ { alias %5$s/blobs/; }
                      }
                    }
                    """.formatted(dir.toAbsolutePath(), hubPort, cdn, hub, www, listen6);
            Files.writeString(dir.resolve("conf/nginx.conf"), conf);
        }

        private void writeRepo(Repo r, String cdn, StringBuilder conf) throws IOException {
            Path files = dir.resolve("www/files").resolve(r.folder()).resolve(r.commit);
            String auth = r.token == null ? "" : """
                          if ($http_authorization != "Bearer %s") {
                            add_header X-Error-Code RepoNotFound always;
                            add_header X-Error-Message "Invalid username or password." always;
                            return 401;
                          }
                    """.formatted(r.token);
            List<String> revisions = new ArrayList<>(r.revisions);
            revisions.add(r.commit);
            StringBuilder siblings = new StringBuilder();
            StringBuilder tree = new StringBuilder();
            java.util.Set<String> folders = new java.util.TreeSet<>();
            for (Map.Entry<String, FileSpec> e : r.files.entrySet()) {
                String path = e.getKey();
                FileSpec f = e.getValue();
                String sha = f.local != null ? sha256(f.local) : sha256(f.content);
                if (f.local != null) {
                    Path blob = dir.resolve("www/blobs").resolve(sha);
                    Files.deleteIfExists(blob);
                    Files.createSymbolicLink(blob, f.local.toAbsolutePath());
                } else if (f.lfs) {
                    Files.write(dir.resolve("www/blobs").resolve(sha), f.content);
                } else {
                    Path p = files.resolve(path);
                    Files.createDirectories(p.getParent());
                    Files.write(p, f.content);
                }
                String pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha + "\nsize "
                        + f.size() + "\n";
                siblings.append(siblings.isEmpty() ? "" : ",").append("{\"rfilename\":\"").append(path)
                        .append("\",\"size\":").append(f.size()).append(",\"blobId\":\"")
                        .append(f.lfs ? gitBlobId(pointer.getBytes(StandardCharsets.UTF_8)) : gitBlobId(f.content))
                        .append('"');
                if (f.lfs) {
                    siblings.append(",\"lfs\":{\"size\":").append(f.size()).append(",\"sha256\":\"")
                            .append(sha).append("\",\"pointerSize\":").append(pointer.length()).append('}');
                }
                siblings.append('}');
                // The tree listing the Python client's snapshot_download reads (list_repo_tree).
                for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
                    folders.add(path.substring(0, slash));
                }
                tree.append(tree.isEmpty() ? "" : ",").append("{\"type\":\"file\",\"path\":\"").append(path)
                        .append("\",\"size\":").append(f.size()).append(",\"oid\":\"")
                        .append(f.lfs ? gitBlobId(pointer.getBytes(StandardCharsets.UTF_8)) : gitBlobId(f.content))
                        .append('"');
                if (f.lfs) {
                    tree.append(",\"lfs\":{\"oid\":\"").append(sha).append("\",\"size\":").append(f.size())
                            .append(",\"pointerSize\":").append(pointer.length()).append('}');
                }
                tree.append('}');
                for (String rev : revisions) {
                    conf.append("    location = ").append(r.urlPath()).append("/resolve/").append(rev).append('/')
                            .append(path).append(" {\n").append(auth)
                            .append("      add_header X-Repo-Commit ").append(r.commit).append(" always;\n");
                    if (f.lfs) {
                        conf.append("      add_header X-Linked-Etag '\"").append(sha).append("\"' always;\n")
                                .append("      add_header X-Linked-Size ").append(f.size()).append(" always;\n")
                                .append("      return 302 ").append(cdn).append("/blobs/").append(sha).append(";\n");
                    } else {
                        conf.append("      etag off;\n")
                                .append("      add_header ETag '\"").append(gitBlobId(f.content)).append("\"' always;\n")
                                .append("      alias ").append(files.resolve(path).toAbsolutePath()).append(";\n");
                    }
                    conf.append("    }\n");
                }
            }
            String listing = "{\"id\":\"" + r.id + "\",\"sha\":\"" + r.commit + "\",\"siblings\":[" + siblings + "]}";
            Files.writeString(dir.resolve("www/api").resolve(r.folder() + ".json"), listing);
            for (String folder : folders) {
                tree.append(",{\"type\":\"directory\",\"path\":\"").append(folder).append("\",\"oid\":\"")
                        .append(gitBlobId(folder.getBytes(StandardCharsets.UTF_8))).append("\"}");
            }
            Files.writeString(dir.resolve("www/api").resolve(r.folder() + ".tree.json"), "[" + tree + "]");
            for (String rev : revisions) {
                conf.append("    location = /api/").append(r.type.plural()).append('/').append(r.id)
                        .append("/tree/").append(rev).append(" {\n").append(auth)
                        .append("      default_type application/json;\n")
                        .append("      alias ").append(dir.resolve("www/api").resolve(r.folder() + ".tree.json").toAbsolutePath())
                        .append(";\n    }\n");
            }
            for (String rev : revisions) {
                conf.append("    location = /api/").append(r.type.plural()).append('/').append(r.id)
                        .append("/revision/").append(rev).append(" {\n").append(auth)
                        .append("      default_type application/json;\n")
                        .append("      alias ").append(dir.resolve("www/api").resolve(r.folder() + ".json").toAbsolutePath())
                        .append(";\n    }\n");
            }
            conf.append("    location ~ ^").append(r.urlPath()).append("/resolve/(")
                    .append(String.join("|", revisions)).append(")/ {\n").append(auth)
                    .append("      add_header X-Repo-Commit ").append(r.commit).append(" always;\n")
                    .append("      add_header X-Error-Code EntryNotFound always;\n")
                    .append("      add_header X-Error-Message \"Entry not found\" always;\n")
                    .append("      return 404;\n    }\n");
            conf.append("    location ").append(r.urlPath()).append("/resolve/ {\n").append(auth)
                    .append("      add_header X-Error-Code RevisionNotFound always;\n")
                    .append("      add_header X-Error-Message \"Invalid rev id\" always;\n")
                    .append("      return 404;\n    }\n");
        }
    }

    // ---------------------------------------------------------------- hashes

    public static String sha256(byte[] b) {
        return HexFormat.of().formatHex(digest("SHA-256", b));
    }

    /** The SHA-256 of a file, read in pieces. */
    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** git's object id of a blob: SHA-1 of {@code "blob SIZE\0" + content}. */
    public static String gitBlobId(byte[] b) {
        byte[] header = ("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[header.length + b.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(b, 0, all, header.length, b.length);
        return HexFormat.of().formatHex(digest("SHA-1", all));
    }

    private static byte[] digest(String algorithm, byte[] b) {
        try {
            return MessageDigest.getInstance(algorithm).digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }
}
