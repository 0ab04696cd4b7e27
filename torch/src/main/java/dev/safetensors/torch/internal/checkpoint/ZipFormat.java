package dev.safetensors.torch.internal.checkpoint;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;
import static dev.safetensors.SafeTensorsException.Kind.InvalidOffset;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.torch.TorchFormat;
import dev.safetensors.torch.internal.pickle.Budget;
import dev.safetensors.torch.internal.pickle.PickleMachine;
import dev.safetensors.torch.internal.zip.ZipArchive;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The archive {@code torch.save} writes since PyTorch 1.6: {@code <dir>/data.pkl}, one entry
 * {@code <dir>/data/<key>} per storage, and small records ({@code version}, {@code byteorder},
 * {@code .format_version}, {@code .storage_alignment}, {@code .data/serialization_id}). The directory may
 * have any name, but every entry must be under that one directory.
 */
public final class ZipFormat {
    private static final Pattern NUMBER = Pattern.compile("\\d{1,9}\\n?");
    private static final List<String> RECORDS = List.of("version", ".data/version", "byteorder", ".format_version",
            ".storage_alignment");
    private static final int MAX_RECORD = 64;

    private ZipFormat() {
    }

    public static LoadedFile read(MemorySegment file, String source, Budget budget) {
        ZipArchive zip = ZipArchive.read(file, source);
        String dir = directory(zip, source);
        Map<String, String> records = records(zip, dir, source);
        boolean bigEndian = "big".equals(records.get("byteorder"));

        String pickleName = dir + "/data.pkl";
        ZipArchive.Entry pickle = zip.entry(pickleName).orElseThrow(() -> new SafeTensorsException(
                InvalidHeaderDeserialization, source, "the archive has no `" + pickleName + "`"
                        + (zip.entry(dir + "/constants.pkl").isPresent() ? " (a TorchScript archive)" : "")));
        if (pickle.size() > budget.limits().maxPickleBytes()) {
            throw new SafeTensorsException(SafeTensorsException.Kind.HeaderTooLarge, source, "`" + pickleName + "` has "
                    + pickle.size() + " bytes, more than the limit of " + budget.limits().maxPickleBytes()
                    + " (PickleLimits.maxPickleBytes)");
        }
        PersistentIds ids = new PersistentIds(false);
        Object root = PickleMachine.load(zip.bytes(pickle, source), 0, source, pickleName, TorchAllowlist.INSTANCE, ids,
                budget).value();

        Map<String, Storage> storages = new LinkedHashMap<>();
        for (StorageRef ref : ids.storages()) {
            String name = dir + "/data/" + ref.key();
            ZipArchive.Entry entry = zip.entry(name).orElseThrow(() -> new SafeTensorsException(InvalidOffset, source,
                    "storage `" + ref.key() + "` has no entry `" + name + "` in the archive"));
            MemorySegment bytes = zip.bytes(entry, source);
            long expected = Sizes.storageBytes(ref, source);
            if (bytes.byteSize() != expected) {
                throw new SafeTensorsException(SafeTensorsException.Kind.TensorInvalidInfo, source, "storage `"
                        + ref.key() + "` is declared as " + ref.numel() + " × " + ref.type() + " = " + expected
                        + " bytes, but entry `" + name + "` holds " + entry.size());
            }
            storages.put(ref.key(), new Storage(ref, bytes, bigEndian));
        }
        return new LoadedFile(source, TorchFormat.ZIP, root, storages, records);
    }

    /** The one top-level directory every entry is in. */
    private static String directory(ZipArchive zip, String source) {
        String dir = null;
        for (String name : zip.entries().keySet()) {
            int slash = name.indexOf('/');
            if (slash <= 0) {
                throw new SafeTensorsException(InvalidHeaderDeserialization, source, "entry `" + name
                        + "` is not inside a directory: a PyTorch archive keeps everything under one");
            }
            String top = name.substring(0, slash);
            if (dir == null) {
                dir = top;
            } else if (!dir.equals(top)) {
                throw new SafeTensorsException(InvalidHeaderDeserialization, source, "entries `" + dir + "/...` and `"
                        + name + "` are under different directories: a PyTorch archive has one");
            }
        }
        if (dir == null) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, source, "the archive is empty");
        }
        return dir;
    }

    private static Map<String, String> records(ZipArchive zip, String dir, String source) {
        Map<String, String> records = new LinkedHashMap<>();
        for (String record : RECORDS) {
            var entry = zip.entry(dir + "/" + record);
            if (entry.isEmpty()) {
                continue;
            }
            MemorySegment bytes = zip.bytes(entry.get(), source);
            if (bytes.byteSize() > MAX_RECORD) {
                throw bad(source, dir + "/" + record, "has " + bytes.byteSize() + " bytes");
            }
            String text = new String(bytes.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
            boolean ok = switch (record) {
                case "byteorder" -> text.strip().equals("little") || text.strip().equals("big");
                case ".storage_alignment" -> NUMBER.matcher(text).matches()
                        && Integer.bitCount(Integer.parseInt(text.strip())) == 1;
                default -> NUMBER.matcher(text).matches();
            };
            if (!ok) {
                throw bad(source, dir + "/" + record, "holds `" + text.strip() + "`");
            }
            records.put(record, text.strip());
        }
        return records;
    }

    private static SafeTensorsException bad(String source, String entry, String what) {
        return new SafeTensorsException(InvalidHeaderDeserialization, source, "record `" + entry + "` " + what
                + ", which PyTorch never writes");
    }
}
