package dev.safetensors.torch.internal.zip;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/** Writes small stored zip archives record by record (APPNOTE 4.3), so that tests can damage any field. */
final class TestZip {
    record Item(String name, byte[] data) {
    }

    final List<Item> items = new ArrayList<>();
    String comment = "";
    /** Offsets of each record written, for tests that patch them. */
    final List<Integer> localOffsets = new ArrayList<>();
    final List<Integer> centralOffsets = new ArrayList<>();
    int endOffset;

    TestZip add(String name, byte[] data) {
        items.add(new Item(name, data));
        return this;
    }

    TestZip add(String name, String text) {
        return add(name, text.getBytes(StandardCharsets.UTF_8));
    }

    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        localOffsets.clear();
        centralOffsets.clear();
        for (Item i : items) {
            localOffsets.add(out.size());
            byte[] name = i.name.getBytes(StandardCharsets.UTF_8);
            ByteBuffer h = le(30 + name.length);
            h.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0).putInt(0).putInt(crc(i.data))
                    .putInt(i.data.length).putInt(i.data.length).putShort((short) name.length).putShort((short) 0).put(name);
            out.writeBytes(h.array());
            out.writeBytes(i.data);
        }
        int cd = out.size();
        for (int k = 0; k < items.size(); k++) {
            Item i = items.get(k);
            centralOffsets.add(out.size());
            byte[] name = i.name.getBytes(StandardCharsets.UTF_8);
            ByteBuffer h = le(46 + name.length);
            h.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt(crc(i.data)).putInt(i.data.length).putInt(i.data.length).putShort((short) name.length)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt(localOffsets.get(k)).put(name);
            out.writeBytes(h.array());
        }
        int cdSize = out.size() - cd;
        endOffset = out.size();
        byte[] c = comment.getBytes(StandardCharsets.UTF_8);
        ByteBuffer e = le(22 + c.length);
        e.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) items.size())
                .putShort((short) items.size()).putInt(cdSize).putInt(cd).putShort((short) c.length).put(c);
        out.writeBytes(e.array());
        return out.toByteArray();
    }

    static void putShort(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) v);
    }

    static void putInt(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int crc(byte[] data) {
        CRC32 c = new CRC32();
        c.update(data);
        return (int) c.getValue();
    }
}
