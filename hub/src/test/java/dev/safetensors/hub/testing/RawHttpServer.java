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

/**
 * A server on 127.0.0.1 that answers each request with whatever bytes its handler writes, however wrong: malformed
 * headers, lies about lengths and ranges, bodies that stop. One request per connection. Where nginx and the fault
 * proxy only bend a correct answer, this one writes the answer itself.
 */
public final class RawHttpServer implements AutoCloseable {
    /** A request as seen; header names lowercase. */
    public record Request(String method, String target, Map<String, String> headers) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Writes the whole answer (status line, headers, body) to {@code out}; may stall or stop early. */
    @FunctionalInterface
    public interface Handler {
        void answer(Request request, OutputStream out) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final Handler handler;
    private final List<Request> seen = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean closed;

    private RawHttpServer(ServerSocket server, Handler handler) {
        this.server = server;
        this.handler = handler;
        Thread.ofPlatform().daemon().name("raw-http-" + server.getLocalPort()).start(this::accept);
    }

    public static RawHttpServer start(Handler handler) throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        return new RawHttpServer(s, handler);
    }

    public int port() {
        return server.getLocalPort();
    }

    public String base() {
        return "http://127.0.0.1:" + port();
    }

    public List<Request> requests() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    /** A complete answer: status, headers in order, and the body (Content-Length is the caller's to give). */
    public static void write(OutputStream out, int status, Map<String, String> headers, byte[] body) throws IOException {
        StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append(" X\r\n");
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        sb.append("Connection: close\r\n\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    private void accept() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofVirtual().start(() -> serve(s));
        }
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            Request r = read(in);
            if (r == null) {
                return;
            }
            seen.add(r);
            handler.answer(r, out);
        } catch (IOException | InterruptedException e) {
            // the client hung up, or the handler stopped on purpose
        }
    }

    private static Request read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            head.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3))
                    ? state + 1 : 0;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] first = lines[0].split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip());
            }
        }
        return new Request(first[0], first[1], headers);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
    }
}
