package dev.safetensors.hub.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP/1.1 proxy in front of one upstream port that misbehaves on request: it answers with a status of its
 * own, cuts the connection in the middle of a body, ends bodies early, flips a byte, stalls, strips {@code Range}
 * (a server that ignores it), or redirects. One request per connection ({@code Connection: close}). It records the
 * requests it saw and counts the body bytes it delivered.
 */
public final class FaultProxy implements AutoCloseable {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-\\d+/\\d+");

    /** A request as the proxy saw it; header names lowercase. */
    public record Request(int index, String method, String target, Map<String, String> headers) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** What to do with one request. */
    public sealed interface Fault {
    }

    /** Forward it unchanged. */
    public record Pass() implements Fault {
    }

    /** Answer {@code status} without asking upstream. */
    public record Status(int status, Map<String, String> headers) implements Fault {
    }

    /** Answer a redirect to {@code location}. */
    public record Redirect(int status, String location) implements Fault {
    }

    /** Forward, but close the connection after {@code bytes} bytes of the body. */
    public record CutAfter(long bytes) implements Fault {
    }

    /** Forward, but stop sending (connection open) after {@code bytes} bytes for {@code millis}. */
    public record StallAfter(long bytes, long millis) implements Fault {
    }

    /** Forward, but end every body where the file reaches {@code fileEnd} (the server holds less than it says). */
    public record EndFileAt(long fileEnd) implements Fault {
    }

    /** Forward with the byte at file offset {@code offset} changed. */
    public record Corrupt(long offset) implements Fault {
    }

    /** Forward without the {@code Range} header: upstream sends the whole file. */
    public record IgnoreRange() implements Fault {
    }

    /** Chooses the fault for a request. */
    @FunctionalInterface
    public interface Rule {
        Fault apply(Request request);
    }

    private final ServerSocket server;
    private final int upstream;
    private final List<Request> seen = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong delivered = new AtomicLong();
    private volatile Rule rule = r -> new Pass();
    private volatile boolean closed;

    private FaultProxy(ServerSocket server, int upstream) {
        this.server = server;
        this.upstream = upstream;
        Thread.ofPlatform().daemon().name("fault-proxy-" + server.getLocalPort()).start(this::accept);
    }

    /** A proxy on a free port of 127.0.0.1 in front of {@code 127.0.0.1:upstream}. */
    public static FaultProxy start(int upstream) throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        return new FaultProxy(s, upstream);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The rule from now on; the request count starts again at 0. */
    public void rule(Rule newRule) {
        seen.clear();
        count.set(0);
        delivered.set(0);
        this.rule = newRule;
    }

    /** The requests seen since the rule was set. */
    public List<Request> requests() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    /** Body bytes delivered to clients since the rule was set. */
    public long delivered() {
        return delivered.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Thread.ofVirtual().start(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client; InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String[] lines = head.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
                }
            }
            Request req = new Request(count.getAndIncrement(), requestLine[0], requestLine[1], headers);
            seen.add(req);
            Fault fault = rule.apply(req);
            switch (fault) {
                case Status s -> {
                    StringBuilder h = new StringBuilder("HTTP/1.1 " + s.status() + " Fault\r\nContent-Length: 0\r\nConnection: close\r\n");
                    s.headers().forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
                    out.write(h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
                }
                case Redirect r -> out.write(("HTTP/1.1 " + r.status() + " Redirect\r\nLocation: " + r.location()
                        + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                default -> forward(req, fault, out);
            }
            out.flush();
        } catch (IOException e) {
            // the client went away, or a fault closed the connection: nothing to report
        }
    }

    private void forward(Request req, Fault fault, OutputStream out) throws IOException {
        try (Socket up = new Socket(InetAddress.getLoopbackAddress(), upstream);
             InputStream upIn = up.getInputStream(); OutputStream upOut = up.getOutputStream()) {
            StringBuilder h = new StringBuilder(req.method() + " " + req.target() + " HTTP/1.1\r\n");
            boolean stripRange = fault instanceof IgnoreRange;
            req.headers().forEach((k, v) -> {
                boolean drop = k.equals("connection") || (stripRange && k.equals("range"));
                if (!drop) {
                    h.append(k).append(": ").append(v).append("\r\n");
                }
            });
            upOut.write(h.append("connection: close\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            upOut.flush();
            String head = readHead(upIn);
            if (head == null) {
                return;
            }
            Matcher m = CONTENT_RANGE.matcher(head);
            long fileOffset = m.find() ? Long.parseLong(m.group(1)) : 0;
            out.write(head.replaceAll("(?i)\r\nconnection: [^\r]*", "").replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            byte[] buf = new byte[64 << 10];
            long sent = 0;
            int n;
            while ((n = upIn.read(buf)) > 0) {
                int len = n;
                switch (fault) {
                    case CutAfter c -> len = (int) Math.max(0, Math.min(n, c.bytes() - sent));
                    case StallAfter st -> len = (int) Math.max(0, Math.min(n, st.bytes() - sent));
                    case EndFileAt e -> len = (int) Math.max(0, Math.min(n, e.fileEnd() - (fileOffset + sent)));
                    case Corrupt c -> {
                        long at = c.offset() - (fileOffset + sent);
                        if (at >= 0 && at < n) {
                            buf[(int) at] ^= 0x5A;
                        }
                    }
                    default -> { }
                }
                out.write(buf, 0, len);
                sent += len;
                delivered.addAndGet(len);
                if (len < n) {
                    out.flush();
                    if (fault instanceof StallAfter st) {
                        Nginx.sleep(st.millis());
                        out.write(buf, len, n - len);
                        sent += n - len;
                        delivered.addAndGet(n - len);
                        fault = new Pass();
                        continue;
                    }
                    return;   // cut: the connection closes with the body incomplete
                }
            }
        }
    }

    /** The bytes up to the blank line ending a message head, or null at end of stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) ? state + 1 : (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            if (state == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
            if (head.size() > 1 << 16) {
                throw new IOException("message head too long");
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
    }
}
