package dev.safetensors.cli;

import dev.safetensors.internal.json.JsonReader;
import dev.safetensors.internal.json.JsonWriter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Chromium driven through the DevTools protocol over the JDK's own WebSocket client: open a page,
 * evaluate script in it, take a screenshot, and see every request the page made. No browser-driver library.
 *
 * <pre>{@code
 * try (HeadlessChromium browser = HeadlessChromium.start(profileDir)) {
 *     browser.open(Path.of("report.html"), 1280, 900);
 *     Object title = browser.evaluate("document.title");
 * }
 * }</pre>
 */
final class HeadlessChromium implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    private final List<Map<String, Object>> events = Collections.synchronizedList(new ArrayList<>());
    private String session;

    private HeadlessChromium(Process process, WebSocket.Builder builder, URI uri) throws Exception {
        this.process = process;
        this.socket = builder.buildAsync(uri, new Messages()).get(60, TimeUnit.SECONDS);
    }

    /**
     * Starts Chromium with a fresh profile in {@code profile}: headless, no sandbox (tests run as root in CI),
     * and none of the background connections that a closed network refuses.
     */
    static HeadlessChromium start(Path profile) throws Exception {
        String binary = ExternalTool.chromium();
        Process p = new ProcessBuilder(binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--hide-scrollbars", "--remote-allow-origins=*", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> url = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = err.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        // Keep reading stderr in the background, so that Chromium never blocks writing its log.
                        Thread.ofPlatform().daemon().start(() -> drain(err));
                        return m.group(1);
                    }
                }
                throw new IllegalStateException("Chromium exited before it listened for DevTools");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            String ws = url.get(90, TimeUnit.SECONDS);
            return new HeadlessChromium(p, HttpClient.newHttpClient().newWebSocketBuilder(), URI.create(ws));
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
    }

    private static void drain(BufferedReader err) {
        try {
            while (err.readLine() != null) {
                // nothing: Chromium's log lines
            }
        } catch (IOException ignored) {
            // the browser closed
        }
    }

    /** Opens {@code page} in a new tab of {@code width} x {@code height} CSS pixels and waits until it has loaded. */
    void open(Path page, int width, int height) throws Exception {
        Map<String, Object> target = call(null, "Target.createTarget", Map.of("url", "about:blank"));
        Map<String, Object> attached = call(null, "Target.attachToTarget", Map.of("targetId", target.get("targetId"),
                "flatten", true));
        session = (String) attached.get("sessionId");
        call(session, "Network.enable", Map.of());
        call(session, "Page.enable", Map.of());
        call(session, "Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                "deviceScaleFactor", 1, "mobile", false));
        int before = events.size();
        call(session, "Page.navigate", Map.of("url", page.toUri().toString()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (events.subList(before, events.size()).stream().noneMatch(e -> "Page.loadEventFired".equals(e.get("method")))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the page did not finish loading in 60 s");
            }
            Thread.sleep(20);
        }
    }

    /** The value of a script expression in the page (JSON-like values: maps, lists, strings, numbers, booleans). */
    Object evaluate(String expression) throws Exception {
        Map<String, Object> r = call(session, "Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                "awaitPromise", true));
        if (r.containsKey("exceptionDetails")) {
            throw new IllegalStateException("the script failed: " + r.get("exceptionDetails"));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) r.get("result");
        return result.get("value");
    }

    /** A PNG of the page's top {@code height} CSS pixels, beyond the window if need be. */
    byte[] screenshot(int width, int height) throws Exception {
        Map<String, Object> clip = new LinkedHashMap<>();
        clip.put("x", 0);
        clip.put("y", 0);
        clip.put("width", width);
        clip.put("height", height);
        clip.put("scale", 1);
        Map<String, Object> r = call(session, "Page.captureScreenshot", Map.of("format", "png", "clip", clip,
                "captureBeyondViewport", true));
        return Base64.getDecoder().decode((String) r.get("data"));
    }

    /** The URLs of every request the page made, the page itself included. */
    List<String> requestedUrls() {
        List<String> urls = new ArrayList<>();
        synchronized (events) {
            for (Map<String, Object> e : events) {
                if ("Network.requestWillBeSent".equals(e.get("method"))) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> params = (Map<String, Object>) e.get("params");
                    @SuppressWarnings("unchecked")
                    Map<String, Object> request = (Map<String, Object>) params.get("request");
                    urls.add((String) request.get("url"));
                }
            }
        }
        return urls;
    }

    private Map<String, Object> call(String sessionId, String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("method", method);
        message.put("params", params);
        if (sessionId != null) {
            message.put("sessionId", sessionId);
        }
        StringBuilder sb = new StringBuilder();
        JsonWriter.appendValue(sb, message, JsonWriter.Style.SERDE);
        CompletableFuture<Map<String, Object>> reply = new CompletableFuture<>();
        pending.put(id, reply);
        socket.sendText(sb.toString(), true).get(30, TimeUnit.SECONDS);
        Map<String, Object> r = reply.get(60, TimeUnit.SECONDS);
        if (r.containsKey("error")) {
            throw new IllegalStateException(method + " failed: " + r.get("error"));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) r.get("result");
        return result;
    }

    /** Messages arrive in parts; each whole one is a reply (with an id) or an event. */
    private final class Messages implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) JsonReader.parse(
                        partial.toString().getBytes(StandardCharsets.UTF_8), "DevTools");
                partial.setLength(0);
                if (m.get("id") instanceof Number n) {
                    CompletableFuture<Map<String, Object>> f = pending.remove(n.intValue());
                    if (f != null) {
                        f.complete(m);
                    }
                } else {
                    events.add(m);
                }
            }
            ws.request(1);
            return null;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            socket.sendText("{\"id\": 0, \"method\": \"Browser.close\"}", true).get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // killed below
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Writes {@code png} to {@code path}, creating its directory. */
    static void save(byte[] png, Path path) throws IOException {
        Files.createDirectories(path.getParent());
        Files.write(path, png);
    }
}
