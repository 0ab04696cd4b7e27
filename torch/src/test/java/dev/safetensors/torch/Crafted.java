package dev.safetensors.torch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Pickles written opcode by opcode (protocol 2) and stored into a PyTorch-style zip archive, for tests of
 * inputs no well-behaved writer produces. The opcodes are CPython's (Lib/pickletools.py).
 */
final class Crafted {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static Crafted protocol2() {
        return new Crafted().raw(0x80, 2);
    }

    Crafted raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    Crafted raw(String ascii) {
        out.writeBytes(ascii.getBytes(StandardCharsets.ISO_8859_1));
        return this;
    }

    /** BINUNICODE. */
    Crafted str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        raw('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
        return this;
    }

    /** LONG1 with 8 bytes: any long. */
    Crafted integer(long v) {
        raw(0x8a, 8);
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        return this;
    }

    Crafted tuple(long... values) {
        raw('(');
        for (long v : values) {
            integer(v);
        }
        return raw('t');
    }

    Crafted put(int memo) {
        raw('r');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(memo).array());
        return this;
    }

    Crafted get(int memo) {
        raw('j');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(memo).array());
        return this;
    }

    /** The persistent id ('storage', torch.{type}, key, 'cpu', numel), loaded with BINPERSID. */
    Crafted storage(String type, String key, long numel) {
        raw('(').str("storage").raw("ctorch\n" + type + "\n").str(key).str("cpu").integer(numel).raw('t', 'Q');
        return this;
    }

    /** _rebuild_tensor_v2(<the storage pushed by {@code storage}>, offset, size, stride, False, OrderedDict()). */
    Crafted tensor(Runnable storage, long offset, long[] sizes, long[] strides) {
        raw("ctorch._utils\n_rebuild_tensor_v2\n").raw('(');
        storage.run();
        integer(offset).tuple(sizes).tuple(strides).raw(0x89).raw("ccollections\nOrderedDict\n").raw(')', 'R');
        return raw('t', 'R');
    }

    Crafted tensor(String type, String key, long numel, long offset, long[] sizes, long[] strides) {
        return tensor(() -> storage(type, key, numel), offset, sizes, strides);
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** {@code archive/data.pkl} and {@code archive/data/<key>} for each storage, stored, as torch.save writes them. */
    static Path archive(Path file, byte[] pickle, Map<String, byte[]> storages) {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            stored(zip, "archive/data.pkl", pickle);
            for (Map.Entry<String, byte[]> e : storages.entrySet()) {
                stored(zip, "archive/data/" + e.getKey(), e.getValue());
            }
            stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
