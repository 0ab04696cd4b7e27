package dev.safetensors.hub.testing;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The test Hub as a process, for benchmarks and trying the command line by hand (scripts/bench-hub):
 * <pre>
 * ServeMain DIR [--file REPO PATH LOCAL_FILE]... [--sharded REPO SHARDS TENSORS ROWS COLS]...
 * </pre>
 * prints {@code endpoint=URL} and {@code logs=DIR} and serves until its standard input closes.
 */
public final class ServeMain {
    private ServeMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        HubServer.Builder b = HubServer.builder(dir);
        for (int i = 1; i < args.length; ) {
            switch (args[i]) {
                case "--file" -> {
                    String path = args[i + 2];
                    Path local = Path.of(args[i + 3]);
                    b.repo(args[i + 1], r -> r.lfs(path, local));
                    i += 4;
                }
                case "--sharded" -> {
                    int shards = Integer.parseInt(args[i + 2]);
                    int tensors = Integer.parseInt(args[i + 3]);
                    int rows = Integer.parseInt(args[i + 4]);
                    int cols = Integer.parseInt(args[i + 5]);
                    b.repo(args[i + 1], r -> sharded(r, shards, tensors, rows, cols));
                    i += 6;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        try (HubServer server = b.start()) {
            System.out.println("endpoint=" + server.endpoint());
            System.out.println("logs=" + dir.resolve("logs").toAbsolutePath());
            System.out.flush();
            System.in.readAllBytes();
        }
    }

    /** Shards as transformers names them, each of {@code tensors} F32 tensors of [rows, cols], and their index. */
    static void sharded(HubServer.Repo r, int shards, int tensors, int rows, int cols) {
        StringBuilder map = new StringBuilder();
        int layer = 0;
        for (int s = 1; s <= shards; s++) {
            String shard = String.format("model-%05d-of-%05d.safetensors", s, shards);
            Map<String, int[]> t = new LinkedHashMap<>();
            for (int k = 0; k < tensors; k++, layer++) {
                String name = "model.layers." + layer + ".mlp.down_proj.weight";
                t.put(name, new int[] {rows, cols});
                map.append(map.isEmpty() ? "" : ",\n    ").append('"').append(name).append("\": \"").append(shard).append('"');
            }
            r.lfs(shard, TestCheckpoints.file(t, Map.of("format", "pt")));
        }
        r.file("model.safetensors.index.json", "{\n  \"metadata\": {},\n  \"weight_map\": {\n    " + map + "\n  }\n}\n");
    }
}
