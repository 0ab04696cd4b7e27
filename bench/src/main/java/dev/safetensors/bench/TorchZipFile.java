package dev.safetensors.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Writes a PyTorch checkpoint as {@code torch.save} does (a zip archive, every entry stored and its data
 * aligned to 64 bytes, a protocol 2 {@code data.pkl} of an OrderedDict of {@code _rebuild_tensor_v2} calls
 * over {@code FloatStorage}s), for benchmarks that need a large one without Python. Real torch loads it.
 */
final class TorchZipFile {
    private record Entry(String name, long offset, long size, int crc) {
    }

    private TorchZipFile() {
    }

    /** {@code tensors} 1-D float32 tensors of {@code elements} each, named {@code layer.N.weight}, values from {@code fill}. */
    static void write(Path out, int tensors, int elements, byte[] fill) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (Counting os = new Counting(new BufferedOutputStream(Files.newOutputStream(out), 1 << 20))) {
            entries.add(entry(os, "archive/data.pkl", pickle(tensors, elements)));
            byte[] storage = new byte[elements * 4];
            for (int i = 0; i < storage.length; i++) {
                storage[i] = fill[i % fill.length];
            }
            for (int t = 0; t < tensors; t++) {
                storage[0] = (byte) t;
                entries.add(entry(os, "archive/data/" + t, storage));
            }
            entries.add(entry(os, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII)));
            long cd = os.count;
            for (Entry e : entries) {
                byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
                ByteBuffer h = le(46 + name.length);
                h.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 0)
                        .putInt(0).putInt(e.crc).putInt((int) e.size).putInt((int) e.size).putShort((short) name.length)
                        .putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0)
                        .putInt((int) e.offset).put(name);
                os.write(h.array());
            }
            long cdSize = os.count - cd;
            ByteBuffer end = le(22);
            end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) entries.size())
                    .putShort((short) entries.size()).putInt((int) cdSize).putInt((int) cd).putShort((short) 0);
            os.write(end.array());
        }
    }

    /** A local header padded (extra field 0x4246, as PyTorch's writer) so that the data starts 64-aligned. */
    private static Entry entry(Counting os, String name, byte[] data) throws IOException {
        long offset = os.count;
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        long dataStart = offset + 30 + n.length + 4;
        int pad = (int) ((64 - dataStart % 64) % 64);
        CRC32 crc = new CRC32();
        crc.update(data);
        ByteBuffer h = le(30 + n.length + 4 + pad);
        h.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0).putInt(0)
                .putInt((int) crc.getValue()).putInt(data.length).putInt(data.length).putShort((short) n.length)
                .putShort((short) (4 + pad)).put(n).putShort((short) 0x4246).putShort((short) pad);
        os.write(h.array());
        os.write(data);
        if (offset > 0xFFFFFFFFL - data.length) {
            throw new IOException("the benchmark's archive writer has no zip64: keep it under 4 GiB");
        }
        return new Entry(name, offset, data.length, (int) crc.getValue());
    }

    /** {'layer.0.weight': _rebuild_tensor_v2(FloatStorage('0'), 0, (n,), (1,), False, OrderedDict()), ...}. */
    private static byte[] pickle(int tensors, int elements) {
        StringBuilder p = new StringBuilder("\u0080\u0002ccollections\nOrderedDict\n)R(");
        for (int t = 0; t < tensors; t++) {
            p.append(unicode("layer." + t + ".weight"));
            p.append("ctorch._utils\n_rebuild_tensor_v2\n((").append(unicode("storage")).append("ctorch\nFloatStorage\n")
                    .append(unicode(Integer.toString(t))).append(unicode("cpu")).append('J').append(le32(elements))
                    .append("tQK\u0000J").append(le32(elements)).append("\u0085K\u0001\u0085\u0089")
                    .append("ccollections\nOrderedDict\n)RtR");
        }
        String s = p.append("u.").toString();
        byte[] out = new byte[s.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) s.charAt(i);
        }
        return out;
    }

    private static String unicode(String ascii) {
        return "X" + le32(ascii.length()) + ascii;
    }

    private static String le32(int v) {
        return new String(new char[] {(char) (v & 0xFF), (char) ((v >> 8) & 0xFF), (char) ((v >> 16) & 0xFF),
                (char) ((v >>> 24) & 0xFF)});
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static final class Counting extends OutputStream {
        private final OutputStream out;
        long count;

        Counting(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
