package dev.safetensors;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child-JVM program for {@link HostileInputTest}: builds one hostile input in a directory, opens it (and
 * reads everything it offers), and prints {@code OK} or {@code KIND <kind>}. Anything else — another
 * exception, an OutOfMemoryError, a hang — is the failure the test looks for.
 */
public final class HostileCase {
    static final long MAX = 100_000_000L;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        try {
            run(args[0], dir);
            System.out.println("OK");
        } catch (SafeTensorsException e) {
            System.out.println("KIND " + e.kind());
        }
    }

    private static void run(String name, Path dir) throws IOException {
        Path f = dir.resolve(name + ".safetensors");
        switch (name) {
            case "length0" -> raw(f, 0, "", 0);
            case "length7" -> raw(f, 7, "{\"t\":1}", 0);
            case "length1e8-short" -> raw(f, MAX, "", 0);
            case "length1e8+1" -> raw(f, MAX + 1, "", 0);
            case "length2^63" -> raw(f, Long.MIN_VALUE, "", 0);
            case "length2^64-1" -> raw(f, -1, "", 0);
            case "length-past-end" -> raw(f, 1000, "{}", 80);
            case "nested-1e8" -> big(f, "{\"t\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0],\"x\":", "[", (int) MAX);
            case "huge-string-1e8" -> big(f, "{\"t\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0],\"x\":\"", "a", (int) MAX);
            case "huge-metadata-1e8" -> big(f, "{\"__metadata__\":{\"k\":\"", "a", (int) MAX);
            case "digits-1e6-shape" -> raw(f, "{\"t\":{\"dtype\":\"U8\",\"shape\":[" + "9".repeat(1_000_000) + "],\"data_offsets\":[0,0]}}", 0);
            case "digits-1e6-ignored" -> raw(f, "{\"t\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0],\"x\":" + "9".repeat(1_000_000) + "}}", 0);
            case "tensors-1e6" -> manyTensors(f, 1_000_000);
            case "valid-1e8" -> manyTensors(f, 1_400_000);   // 99.4 MB of header, just under the limit
            case "invalid-utf8" -> raw(f, "{\"a\u00ff\":1}".replace('\u00ff', '?'), 0, new byte[] {(byte) 0xC0, (byte) 0x80});
            case "bom" -> raw(f, "\uFEFF{}", 0);
            case "nul-bytes" -> raw(f, "{}\u0000\u0000", 0);
            case "lone-surrogate" -> raw(f, "{\"\\udc00\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
            case "shape-product-overflow" -> raw(f, "{\"t\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0);
            case "byte-size-overflow" -> raw(f, "{\"t\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,0]}}", 0);
            case "f4-mid-byte" -> raw(f, "{\"t\":{\"dtype\":\"F4\",\"shape\":[5],\"data_offsets\":[0,3]}}", 3);
            case "overlap" -> raw(f, "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}", 6);
            case "tied" -> raw(f, "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4);
            case "out-of-range" -> raw(f, "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[9999999999,9999999999]}}", 4);
            case "gap" -> raw(f, "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[5,9]}}", 9);
            case "trailing-polyglot" -> raw(f, "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4 + 4096);
            case "truncated" -> raw(f, "{\"a\":{\"dtype\":\"U8\",\"shape\":[4096],\"data_offsets\":[0,4096]}}", 100);
            case "duplicate-name" -> raw(f, "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"\\u0061\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2);
            case "repeated-metadata" -> raw(f, "{\"__metadata__\":{},\"__metadata__\":{}}", 0);
            case "metadata-not-string" -> raw(f, "{\"__metadata__\":{\"k\":[\"v\"]}}", 0);
            case "index-outside" -> index(dir, "{\"weight_map\":{\"a\":\"../outside.safetensors\"}}");
            case "index-missing-shard" -> index(dir, "{\"weight_map\":{\"a\":\"model-00001-of-00001.safetensors\"}}");
            case "index-symlink-out" -> {
                Path outside = Files.createDirectories(dir.resolve("elsewhere"));
                raw(outside.resolve("x.safetensors"), "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
                Path ckpt = Files.createDirectories(dir.resolve("ckpt"));
                Files.createSymbolicLink(ckpt.resolve("s.safetensors"), outside.resolve("x.safetensors"));
                index(ckpt, "{\"weight_map\":{\"a\":\"s.safetensors\"}}");
            }
            case "index-disagrees" -> {
                raw(dir.resolve("s.safetensors"), "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
                index(dir, "{\"weight_map\":{\"b\":\"s.safetensors\"}}");
            }
            case "index-huge-number" -> index(dir, "{\"metadata\":{\"total_size\":" + "9".repeat(1_000_000) + "},\"weight_map\":{\"a\":\"s.safetensors\"}}");
            case "slice-out-of-range", "slice-zero-step", "slice-absurd", "slice-huge-expression" -> {
                raw(f, "{\"t\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", 24);
                String expr = switch (name) {
                    case "slice-out-of-range" -> "5";
                    case "slice-zero-step" -> ":, ::0";
                    case "slice-absurd" -> "0:99999999999999999999999";
                    default -> ":,".repeat(1_000_000) + ":";
                };
                try (SafeTensorsFile file = SafeTensorsFile.open(f)) {
                    file.tensor("t").slice(expr).toByteArray();
                }
                return;
            }
            default -> throw new IllegalArgumentException("no case " + name);
        }
        if (name.startsWith("index-")) {
            try (Checkpoint c = Checkpoint.open(name.equals("index-symlink-out") ? dir.resolve("ckpt") : dir)) {
                c.names();
            }
            return;
        }
        try (SafeTensorsFile file = SafeTensorsFile.open(f)) {
            for (Tensor t : file.tensors()) {
                t.toByteArray();
            }
        }
    }

    private static void index(Path dir, String json) throws IOException {
        Files.writeString(dir.resolve("model.safetensors.index.json"), json);
    }

    private static void raw(Path f, String header, int data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        raw(f, h.length, h, data);
    }

    private static void raw(Path f, String header, int data, byte[] inject) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[h.length + inject.length];
        System.arraycopy(h, 0, all, 0, 3);
        System.arraycopy(inject, 0, all, 3, inject.length);
        System.arraycopy(h, 3, all, 3 + inject.length, h.length - 3);
        raw(f, all.length, all, data);
    }

    private static void raw(Path f, long n, String header, int data) throws IOException {
        raw(f, n, header.getBytes(StandardCharsets.UTF_8), data);
    }

    private static void raw(Path f, long n, byte[] header, int data) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(8 + header.length + data).order(ByteOrder.LITTLE_ENDIAN);
        Files.write(f, bb.putLong(n).put(header).array());
    }

    /** A header of exactly 10^8 bytes: prefix, then {@code fill} (not empty) repeated, streamed to disk. */
    private static void big(Path f, String prefix, String fill, int n) throws IOException {
        if (fill.isEmpty()) {
            throw new IllegalArgumentException("fill must not be empty");
        }
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array());
            raf.write(prefix.getBytes(StandardCharsets.UTF_8));
            byte[] block = fill.repeat(1 << 16).getBytes(StandardCharsets.UTF_8);
            long left = n - prefix.length();
            while (left > 0) {
                int k = (int) Math.min(block.length, left);
                raf.write(block, 0, k);
                left -= k;
            }
        }
    }

    /** {@code count} one-byte tensors with 10-character names: a valid header of about 70 MB. */
    private static void manyTensors(Path f, int count) throws IOException {
        StringBuilder sb = new StringBuilder(count * 72).append('{');
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : ",").append("\"t").append(String.format("%09d", i))
                    .append("\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[").append(i).append(',').append(i + 1).append("]}");
        }
        byte[] h = sb.append('}').toString().getBytes(StandardCharsets.US_ASCII);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            raf.write(h);
            raf.setLength(8L + h.length + count);
        }
    }
}
