package dev.safetensors.fuzz;

import dev.safetensors.DType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes the seed corpora of the fuzz targets from the real fixtures and the format vectors of FormatVectorTest. Run from
 * the core module: {@code java -cp target/test-classes:target/classes dev.safetensors.fuzz.FuzzSeeds}
 * (or through the IDE); the output is committed, and findings are added beside it.
 */
public final class FuzzSeeds {
    private FuzzSeeds() {
    }

    public static void main(String[] args) throws Exception {
        Path resources = Path.of("src/test/resources/dev/safetensors/fuzz");
        Path fixtures = Path.of("../testdata/fixtures");
        List<byte[]> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(fixtures)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList()) {
                if (Files.size(p) <= 64 * 1024) {
                    files.add(Files.readAllBytes(p));
                }
            }
        }
        for (String[] v : VECTORS) {
            files.add(file(v[0], Integer.parseInt(v[1])));
        }
        for (byte[] f : files) {
            seed(resources.resolve("OpenFileFuzzTestInputs/fuzz"), f);
            long n = f.length >= 8 ? java.nio.ByteBuffer.wrap(f, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong() : -1;
            if (n >= 0 && n <= f.length - 8) {
                long data = Math.min(0xFFFF, f.length - 8 - n);
                byte[] h = new byte[2 + (int) n];
                h[0] = (byte) data;
                h[1] = (byte) (data >> 8);
                System.arraycopy(f, 8, h, 2, (int) n);
                seed(resources.resolve("HeaderFuzzTestInputs/fuzz"), h);
            }
        }
        String[][] slices = {{"F32", "2,3", ":, 1:3"}, {"U8", "2,3,4", "1, :, 1:2"}, {"F4", "2,4", ":, 0:2"},
                {"F32", "2,3", "::-1, ::2"}, {"BF16", "4", "..., -1"}, {"F6_E2M3", "2,4", "1"}, {"F32", "", ""},
                {"I64", "3,0,2", "1:, ..., ::-2"}};
        for (String[] s : slices) {
            String[] dims = s[1].isEmpty() ? new String[0] : s[1].split(",");
            byte[] expr = s[2].getBytes(StandardCharsets.UTF_8);
            byte[] in = new byte[2 + dims.length + expr.length];
            in[0] = (byte) DType.valueOf(s[0]).ordinal();
            in[1] = (byte) dims.length;
            for (int d = 0; d < dims.length; d++) {
                in[2 + d] = (byte) Integer.parseInt(dims[d]);
            }
            System.arraycopy(expr, 0, in, 2 + dims.length, expr.length);
            seed(resources.resolve("SliceFuzzTestInputs/fuzz"), in);
        }
        String[][] plans = {
                {"\u0004\u0002\u001f", "{\"model.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[0,48]},"
                        + "\"model.layers.0.q_proj.weight\":{\"dtype\":\"BF16\",\"shape\":[4,3],\"data_offsets\":[48,72]},"
                        + "\"model.layers.1.o_proj.weight\":{\"dtype\":\"F16\",\"shape\":[3,5],\"data_offsets\":[72,102]},"
                        + "\"model.layers.2.skip.weight\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[102,104]},"
                        + "\"lm_head.weight\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[104,152]}}", "152"},
                {"\u0002\u0001\u0001", "{\"layers.99999999999.q_proj\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "8"},
                {"\u0007\u0000\u0003", "{\"embed.q_proj\":{\"dtype\":\"F32\",\"shape\":[9223372036854775807,0],\"data_offsets\":[0,0]},"
                        + "\"o_proj\":{\"dtype\":\"F4\",\"shape\":[2,6],\"data_offsets\":[0,6]}}", "6"},
                {"\u0003\u0000\u0003", "{\"q_proj\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}", "8"}};
        for (String[] plan : plans) {
            byte[] f = file(plan[1], Integer.parseInt(plan[2]));
            byte[] in = new byte[3 + f.length];
            for (int i = 0; i < 3; i++) {
                in[i] = (byte) plan[0].charAt(i);
            }
            System.arraycopy(f, 0, in, 3, f.length);
            seed(resources.resolve("ParallelPlanFuzzTestInputs/fuzz"), in);
        }
        try (Stream<Path> s = Files.list(fixtures)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".index.json")).sorted().toList()) {
                seed(resources.resolve("ShardIndexFuzzTestInputs/fuzz"), Files.readAllBytes(p));
            }
        }
        seed(resources.resolve("ShardIndexFuzzTestInputs/fuzz"),
                "{\"metadata\":{\"total_size\":8},\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}}"
                        .getBytes(StandardCharsets.UTF_8));
    }

    /** Header text (JSON escapes kept literal) and data length, as in FormatVectorTest. */
    private static final String[][] VECTORS = {
            {"{\"t\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", "16"},
            {"{\"a\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[8,12]}}", "12"},
            {"{\"__metadata__\":{\"a\":\"b\"},\"t\":{\"dtype\":\"F4\",\"shape\":[2,3],\"data_offsets\":[0,3]}}", "3"},
            {"{\"t\":{\"dtype\":\"F6_E2M3\",\"shape\":[3,4],\"data_offsets\":[0,9]}}", "9"},
            {"{\"\\ud83d\\ude00\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"x\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[1,3],\"y\":[[{}]]}}", "3"},
            {"{\"t\":{\"dtype\":\"I32\",\"shape\":[0,9223372036854775808],\"data_offsets\":[0,0]}}", "0"},
            {"{\"__metadata__\":null,\"t\":{\"dtype\":\"F8_E4M3\",\"shape\":[2,1],\"data_offsets\":[0,2]}}", "2"},
            {"{}      ", "0"}};

    private static byte[] file(String header, int data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return java.nio.ByteBuffer.allocate(8 + h.length + data).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).array();
    }

    private static void seed(Path dir, byte[] content) throws IOException, NoSuchAlgorithmException {
        Files.createDirectories(dir);
        String name = "seed-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(content));
        Files.write(dir.resolve(name), content);
    }
}
