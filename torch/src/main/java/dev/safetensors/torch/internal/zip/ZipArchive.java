package dev.safetensors.torch.internal.zip;

import dev.safetensors.internal.io.LittleEndian;
import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;
import static dev.safetensors.SafeTensorsException.Kind.InvalidOffset;
import static dev.safetensors.SafeTensorsException.Kind.MetadataIncompleteBuffer;

import dev.safetensors.SafeTensorsException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The directory of a zip archive mapped in memory, as PyTorch writes them: every entry stored
 * (uncompressed), so each entry's bytes are a slice of the mapping. Zip64 records are read.
 *
 * <p>Checked before any entry is used: the end record is whole (a truncated file has none); every entry
 * is unencrypted and on one disk; its local header matches the central directory; its bytes lie between
 * the start of the file and the central directory and overlap no other entry; names are unique relative
 * paths without {@code ..}, {@code .}, empty segments, backslashes, control characters or a leading
 * {@code /}. Compressed entries may be listed (TorchScript archives deflate their code) but are never
 * inflated: {@link #bytes} refuses them, so no zip bomb can expand.
 */
public final class ZipArchive {

    private static final int END = 0x06054b50;
    private static final int END64 = 0x06064b50;
    private static final int END64_LOCATOR = 0x07064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final int END_SIZE = 22;
    private static final int CENTRAL_SIZE = 46;
    private static final int LOCAL_SIZE = 30;
    /** More entries than any checkpoint has storages; bounds the directory's memory. */
    static final int MAX_ENTRIES = 1 << 20;

    /**
     * One entry: its name, where its local header begins, where its (stored or compressed) bytes are in the
     * file, and its compression method (0: stored).
     */
    public record Entry(String name, long headerOffset, long dataOffset, long size, int method) {
    }

    private final MemorySegment file;
    private final Map<String, Entry> entries;

    private ZipArchive(MemorySegment file, Map<String, Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    /** Reads and checks the directory of the archive {@code file} (the whole file, mapped). */
    public static ZipArchive read(MemorySegment file, String source) {
        return new Reader(file, source).read();
    }

    /** The entries, in central-directory order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    public Optional<Entry> entry(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /**
     * The bytes of a stored entry: a slice of the mapping, no copy.
     *
     * @throws SafeTensorsException {@code InvalidHeaderDeserialization} for a compressed entry, never inflated
     */
    public MemorySegment bytes(Entry e, String source) {
        if (e.method() != 0) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, source, "entry `" + e.name()
                    + "` is compressed (method " + e.method() + (e.method() == 8 ? ", deflate" : "") + "); PyTorch "
                    + "stores tensors and pickles uncompressed, so this archive was repacked: compressed entries are "
                    + "refused, never inflated (a zip bomb cannot expand)");
        }
        return file.asSlice(e.dataOffset(), e.size());
    }

    /** Parses the records; one instance per archive. */
    private static final class Reader {
        private final MemorySegment file;
        private final long size;
        private final String source;

        Reader(MemorySegment file, String source) {
            this.file = file;
            this.size = file.byteSize();
            this.source = source;
        }

        ZipArchive read() {
            long end = findEnd();
            long count = u16(end + 10);
            long cdSize = u32(end + 12);
            long cdOffset = u32(end + 16);
            long recordsEnd = end;
            if (u16(end + 4) != 0 || u16(end + 6) != 0) {
                throw fail(InvalidHeaderDeserialization, "a multi-disk (split) archive");
            }
            if (end >= 20 && i32(end - 20) == END64_LOCATOR) {
                long at = u64(end - 20 + 8);
                if (at < 0 || at > end - 20 - 56 || i32(at) != END64) {
                    throw fail(InvalidOffset, "the zip64 end record at " + at + " is not where its locator says");
                }
                if (u32(at + 16) != 0 || u32(at + 20) != 0) {
                    throw fail(InvalidHeaderDeserialization, "a multi-disk (split) archive");
                }
                count = u64(at + 32);
                cdSize = u64(at + 40);
                cdOffset = u64(at + 48);
                recordsEnd = at;
            }
            if (count < 0 || count > MAX_ENTRIES) {
                throw fail(InvalidHeaderDeserialization, "the archive declares " + Long.toUnsignedString(count)
                        + " entries, more than the " + MAX_ENTRIES + " a checkpoint can have");
            }
            if (cdOffset < 0 || cdSize < 0 || cdOffset > recordsEnd || cdSize > recordsEnd - cdOffset) {
                throw fail(InvalidOffset, "the central directory [" + cdOffset + ", +" + cdSize
                        + ") does not lie before the archive's end record at " + recordsEnd);
            }
            List<Entry> list = central(cdOffset, cdOffset + cdSize, (int) count);
            checkDisjoint(list, cdOffset);
            Map<String, Entry> byName = new LinkedHashMap<>();
            for (Entry e : list) {
                if (byName.putIfAbsent(e.name(), e) != null) {
                    throw fail(InvalidHeaderDeserialization, "entry `" + e.name() + "` appears twice");
                }
            }
            return new ZipArchive(file, byName);
        }

        /** The end-of-central-directory record: the last one whose comment reaches exactly the end of the file. */
        private long findEnd() {
            if (size < END_SIZE) {
                throw fail(MetadataIncompleteBuffer, "the file has " + size + " bytes, too few for a zip archive: "
                        + "it is truncated");
            }
            long lowest = Math.max(0, size - END_SIZE - 0xFFFF);
            for (long p = size - END_SIZE; p >= lowest; p--) {
                if (i32(p) == END && p + END_SIZE + u16(p + 20) == size) {
                    return p;
                }
            }
            throw fail(MetadataIncompleteBuffer, "no end-of-central-directory record: the archive is truncated "
                    + "(or is not a zip archive)");
        }

        private List<Entry> central(long from, long to, int count) {
            List<Entry> list = new ArrayList<>(Math.min(count, 1 << 16));
            long p = from;
            for (int i = 0; i < count; i++) {
                if (p > to - CENTRAL_SIZE || i32(p) != CENTRAL) {
                    throw fail(InvalidHeaderDeserialization, "central directory record " + i + " of " + count
                            + " is missing or damaged at byte " + p);
                }
                int flags = u16(p + 8);
                int method = u16(p + 10);
                long compressed = u32(p + 20);
                long uncompressed = u32(p + 24);
                int nameLength = u16(p + 28);
                int extraLength = u16(p + 30);
                int commentLength = u16(p + 32);
                long disk = u16(p + 34);
                long local = u32(p + 42);
                long next = p + CENTRAL_SIZE + nameLength + extraLength + commentLength;
                if (next > to) {
                    throw fail(InvalidHeaderDeserialization, "central directory record " + i + " runs past the directory");
                }
                byte[] rawName = bytes(p + CENTRAL_SIZE, nameLength);
                String name = name(rawName);
                // Zip64: the fields that say 0xFFFFFFFF are in the extra field, in this order.
                long extra = p + CENTRAL_SIZE + nameLength;
                long extraEnd = extra + extraLength;
                while (extra + 4 <= extraEnd) {
                    int id = u16(extra);
                    int length = u16(extra + 2);
                    long field = extra + 4;
                    if (field + length > extraEnd) {
                        throw fail(InvalidHeaderDeserialization, "entry `" + name + "` has a damaged extra field");
                    }
                    if (id == 0x0001) {
                        long f = field;
                        if (uncompressed == 0xFFFFFFFFL) {
                            uncompressed = need64(f, field + length, name);
                            f += 8;
                        }
                        if (compressed == 0xFFFFFFFFL) {
                            compressed = need64(f, field + length, name);
                            f += 8;
                        }
                        if (local == 0xFFFFFFFFL) {
                            local = need64(f, field + length, name);
                            f += 8;
                        }
                        if (disk == 0xFFFF) {
                            disk = f + 4 <= field + length ? u32(f) : disk;
                        }
                    }
                    extra = field + length;
                }
                if ((flags & 0x41) != 0) {
                    throw fail(InvalidHeaderDeserialization, "entry `" + name + "` is encrypted");
                }
                if (disk != 0) {
                    throw fail(InvalidHeaderDeserialization, "a multi-disk (split) archive");
                }
                if (compressed < 0 || uncompressed < 0 || (method == 0 && compressed != uncompressed)) {
                    throw fail(InvalidHeaderDeserialization, "stored entry `" + name + "` declares "
                            + Long.toUnsignedString(compressed) + " stored but " + Long.toUnsignedString(uncompressed)
                            + " bytes");
                }
                list.add(local(name, rawName, local, compressed, method));
                p = next;
            }
            return list;
        }

        /** The entry's local header must agree with the central directory; its bytes follow it. */
        private Entry local(String name, byte[] rawName, long at, long length, int method) {
            if (at < 0 || at > size - LOCAL_SIZE) {
                throw fail(at < 0 ? InvalidOffset : MetadataIncompleteBuffer, "entry `" + name
                        + "`'s local header at " + Long.toUnsignedString(at) + " lies past the end of the file: "
                        + "the archive is truncated or damaged");
            }
            if (i32(at) != LOCAL) {
                throw fail(InvalidOffset, "entry `" + name + "` has no local header at byte " + at);
            }
            int nameLength = u16(at + 26);
            int extraLength = u16(at + 28);
            if (u16(at + 8) != method || nameLength != rawName.length || at + LOCAL_SIZE + nameLength > size
                    || !java.util.Arrays.equals(bytes(at + LOCAL_SIZE, nameLength), rawName)) {
                throw fail(InvalidOffset, "entry `" + name + "`'s local header (byte " + at
                        + ") does not match the central directory");
            }
            long data = at + LOCAL_SIZE + nameLength + extraLength;
            if (data > size || length > size - data) {
                throw fail(MetadataIncompleteBuffer, "entry `" + name + "` needs bytes [" + data + ", "
                        + (data + length) + ") but the file has " + size + ": the archive is truncated");
            }
            return new Entry(name, at, data, length, method);
        }

        /** Entries lie before the central directory and do not overlap (overlapping entries make zip bombs). */
        private void checkDisjoint(List<Entry> list, long cdOffset) {
            List<Entry> sorted = new ArrayList<>(list);
            sorted.sort(Comparator.comparingLong(Entry::headerOffset));
            long previousEnd = 0;
            String previous = null;
            for (Entry e : sorted) {
                if (previous != null && e.headerOffset() < previousEnd) {
                    throw fail(InvalidOffset, "entries `" + previous + "` and `" + e.name() + "` overlap");
                }
                if (e.dataOffset() + e.size() > cdOffset) {
                    throw fail(InvalidOffset, "entry `" + e.name() + "` runs into the central directory at " + cdOffset
                            + ": it would overlap it");
                }
                previousEnd = e.dataOffset() + e.size();
                previous = e.name();
            }
        }

        /** Entry names: strict UTF-8, relative, no dot segments, no separators but {@code /}. */
        private String name(byte[] raw) {
            String name;
            try {
                name = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
            } catch (CharacterCodingException e) {
                throw fail(InvalidHeaderDeserialization, "an entry name is not valid UTF-8");
            }
            boolean control = name.chars().anyMatch(c -> c < 0x20 || c == 0x7F || c == '\\');
            boolean bad = name.isEmpty() || name.startsWith("/") || control;
            for (String segment : name.split("/", -1)) {
                bad |= segment.equals("..") || segment.equals(".");
            }
            bad |= name.contains("//");
            if (bad) {
                throw fail(InvalidHeaderDeserialization, "entry name `" + printable(name) + "` is not a plain relative "
                        + "path (absolute, `..`, `.`, empty segments, backslashes and control characters are refused)");
            }
            return name;
        }

        private long need64(long at, long end, String name) {
            if (at + 8 > end) {
                throw fail(InvalidHeaderDeserialization, "entry `" + name + "` has a short zip64 extra field");
            }
            return u64(at);
        }

        private int u16(long at) {
            return file.get(LittleEndian.SHORT, at) & 0xFFFF;
        }

        private int i32(long at) {
            return at >= 0 && at <= size - 4 ? file.get(LittleEndian.INT, at) : 0;
        }

        private long u32(long at) {
            return file.get(LittleEndian.INT, at) & 0xFFFFFFFFL;
        }

        private long u64(long at) {
            return file.get(LittleEndian.LONG, at);
        }

        private byte[] bytes(long at, int n) {
            byte[] out = new byte[n];
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, at, out, 0, n);
            return out;
        }

        private SafeTensorsException fail(SafeTensorsException.Kind kind, String detail) {
            return new SafeTensorsException(kind, source, detail);
        }

        private static String printable(String s) {
            StringBuilder sb = new StringBuilder();
            s.codePoints().limit(100).forEach(c -> sb.append(c < 0x20 || c == 0x7F ? String.format("\\x%02x", c)
                    : Character.toString(c)));
            return sb.toString();
        }
    }
}
