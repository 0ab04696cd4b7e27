package dev.safetensors.torch.internal.checkpoint;

import dev.safetensors.internal.io.LittleEndian;
import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;
import static dev.safetensors.SafeTensorsException.Kind.MetadataIncompleteBuffer;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.torch.TorchFormat;
import dev.safetensors.torch.internal.pickle.Budget;
import dev.safetensors.torch.internal.pickle.PersistentLoader;
import dev.safetensors.torch.internal.pickle.PickleError;
import dev.safetensors.torch.internal.pickle.PickleMachine;
import dev.safetensors.torch.internal.pickle.PyDict;
import dev.safetensors.torch.internal.pickle.PyValues;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stream {@code torch.save} wrote before PyTorch 1.6: five pickles (the magic number, the protocol
 * version 1001, a {@code sys_info} dict, the object, the list of storage keys), then each storage in key
 * order as an 8-byte little-endian element count and its bytes, which torch always writes little-endian.
 */
public final class LegacyFormat {
    /** {@code torch.serialization.MAGIC_NUMBER}. */
    static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long PROTOCOL_VERSION = 1001;

    private LegacyFormat() {
    }

    public static LoadedFile read(MemorySegment file, String source, Budget budget) {
        PersistentLoader none = pid -> {
            throw PickleError.malformed("a persistent id in a header pickle of the legacy format");
        };
        PickleMachine.Result magic = PickleMachine.load(file, 0, source, "pickle 1 (magic number)",
                TorchAllowlist.INSTANCE, none, budget);
        Object m = magic.value();
        if (!(m instanceof BigInteger b && b.equals(MAGIC))) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, source, "not a PyTorch checkpoint: the file is "
                    + "a pickle whose first value is " + PyValues.describe(m) + ", not torch's magic number "
                    + "(torch.load would refuse it too)");
        }
        PickleMachine.Result version = PickleMachine.load(file, magic.end(), source, "pickle 2 (protocol version)",
                TorchAllowlist.INSTANCE, none, budget);
        if (!Long.valueOf(PROTOCOL_VERSION).equals(version.value())) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, source, "legacy protocol version "
                    + PyValues.describe(version.value()) + ", not " + PROTOCOL_VERSION);
        }
        PickleMachine.Result sysInfo = PickleMachine.load(file, version.end(), source, "pickle 3 (sys_info)",
                TorchAllowlist.INSTANCE, none, budget);
        if (!(sysInfo.value() instanceof PyDict)) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, source, "pickle 3 (sys_info) is "
                    + PyValues.describe(sysInfo.value()) + ", not a dict");
        }
        PersistentIds ids = new PersistentIds(true);
        PickleMachine.Result object = PickleMachine.load(file, sysInfo.end(), source, "pickle 4 (the object)",
                TorchAllowlist.INSTANCE, ids, budget);
        PickleMachine.Result keys = PickleMachine.load(file, object.end(), source, "pickle 5 (storage keys)",
                TorchAllowlist.INSTANCE, none, budget);
        Map<String, Storage> storages = storages(file, keys, ids, source);
        return new LoadedFile(source, TorchFormat.LEGACY, object.value(), storages, Map.of());
    }

    private static Map<String, Storage> storages(MemorySegment file, PickleMachine.Result keys, PersistentIds ids,
            String source) {
        if (!(keys.value() instanceof List<?> list)) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, source, "pickle 5 (storage keys) is "
                    + PyValues.describe(keys.value()) + ", not a list");
        }
        Map<String, StorageRef> declared = new LinkedHashMap<>();
        for (StorageRef ref : ids.storages()) {
            declared.put(ref.key(), ref);
        }
        Map<String, Storage> storages = new LinkedHashMap<>();
        long at = keys.end();
        long size = file.byteSize();
        for (Object k : list) {
            if (!(k instanceof String key) || !declared.containsKey(key)) {
                throw new SafeTensorsException(InvalidHeaderDeserialization, source, "the storage list names "
                        + (k instanceof String s ? "`" + s + "`, which no tensor uses" : PyValues.describe(k)));
            }
            if (storages.containsKey(key)) {
                throw new SafeTensorsException(InvalidHeaderDeserialization, source, "the storage list names `" + key
                        + "` twice");
            }
            StorageRef ref = declared.get(key);
            if (at > size - 8) {
                throw truncated(source, key, at + 8, size);
            }
            long numel = file.get(LittleEndian.LONG, at);
            if (numel != ref.numel()) {
                throw new SafeTensorsException(SafeTensorsException.Kind.TensorInvalidInfo, source, "storage `" + key
                        + "` is declared with " + ref.numel() + " elements, but its data at byte " + at + " says "
                        + numel);
            }
            long bytes = Sizes.storageBytes(ref, source);
            long data = at + 8;
            if (bytes > size - data) {
                throw truncated(source, key, data + bytes, size);
            }
            storages.put(key, new Storage(ref, file.asSlice(data, bytes), false));
            at = data + bytes;
        }
        for (String key : declared.keySet()) {
            if (!storages.containsKey(key)) {
                throw new SafeTensorsException(SafeTensorsException.Kind.InvalidOffset, source, "storage `" + key
                        + "` is used by a tensor but has no data in the file");
            }
        }
        return storages;
    }

    private static SafeTensorsException truncated(String source, String key, long needed, long size) {
        return new SafeTensorsException(MetadataIncompleteBuffer, source, "storage `" + key + "` needs the file to "
                + "reach byte " + needed + ", but it has " + size + ": the file is truncated");
    }
}
