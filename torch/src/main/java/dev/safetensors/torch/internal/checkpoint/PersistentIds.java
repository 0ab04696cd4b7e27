package dev.safetensors.torch.internal.checkpoint;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.torch.internal.pickle.PersistentLoader;
import dev.safetensors.torch.internal.pickle.PickleError;
import dev.safetensors.torch.internal.pickle.PyBytes;
import dev.safetensors.torch.internal.pickle.PyNone;
import dev.safetensors.torch.internal.pickle.PyTuple;
import dev.safetensors.torch.internal.pickle.PyValues;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads torch's persistent ids: {@code ('storage', storage_type, key, location, numel)} in zip archives,
 * with a sixth element {@code view_metadata} in the legacy format. Keys must be plain names, so that no
 * key can reach outside the archive's {@code data/} directory; a key declared twice must agree.
 */
final class PersistentIds implements PersistentLoader {
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_]{1,128}");

    private final boolean legacy;
    private final Map<String, StorageRef> storages = new LinkedHashMap<>();

    PersistentIds(boolean legacy) {
        this.legacy = legacy;
    }

    /** Every storage the pickle referred to, by key, in order of first reference (roots of legacy views). */
    Collection<StorageRef> storages() {
        return storages.values();
    }

    @Override
    public Object load(Object pid) {
        if (!(pid instanceof PyTuple t) || t.size() < 1) {
            throw PickleError.malformed("a persistent id must be a tuple ('storage', ...), got " + PyValues.describe(pid));
        }
        String typename = text(t.get(0), "the persistent id's type");
        if (!typename.equals("storage")) {
            throw PickleError.malformed("a persistent id of type `" + typename + "`: only storages are read"
                    + (typename.equals("module") ? " (this legacy file pickles nn.Module classes; save a state dict)" : ""));
        }
        int expected = legacy ? 6 : 5;
        if (t.size() != expected) {
            throw PickleError.malformed("a storage persistent id has " + expected + " elements in this format, got "
                    + t.size());
        }
        if (!(t.get(1) instanceof StorageType type)) {
            throw PickleError.malformed("a storage persistent id needs a storage class, got " + PyValues.describe(t.get(1)));
        }
        String key = key(t.get(2));
        String location = text(t.get(3), "the storage location");
        Long numel = PyValues.asLong(t.get(4));
        if (numel == null || numel < 0) {
            throw PickleError.malformed("storage `" + key + "` declares " + PyValues.describe(t.get(4))
                    + " elements, not a count");
        }
        StorageRef root = declare(new StorageRef(key, type, numel, location, 0, numel));
        if (!legacy || t.get(5) == PyNone.NONE) {
            return root;
        }
        // A legacy view: (view_key, offset, size) in elements of the root storage.
        if (!(t.get(5) instanceof PyTuple view) || view.size() != 3) {
            throw PickleError.malformed("a storage view must be (key, offset, size), got " + PyValues.describe(t.get(5)));
        }
        key(view.get(0));
        Long offset = PyValues.asLong(view.get(1));
        Long size = PyValues.asLong(view.get(2));
        if (offset == null || size == null || offset < 0 || size < 0 || offset > numel - size) {
            throw new PickleError(SafeTensorsException.Kind.InvalidOffset, "storage view of `" + key + "` at "
                    + PyValues.describe(view.get(1)) + " of " + PyValues.describe(view.get(2))
                    + " elements does not fit its " + numel + " elements");
        }
        return new StorageRef(key, type, numel, location, offset, size);
    }

    private StorageRef declare(StorageRef s) {
        StorageRef before = storages.putIfAbsent(s.key(), s);
        if (before != null && (before.type().dtype() != s.type().dtype() || before.numel() != s.numel())) {
            throw PickleError.malformed("storage `" + s.key() + "` is declared twice, as " + before.numel() + " × "
                    + before.type() + " and as " + s.numel() + " × " + s.type());
        }
        return before != null ? before : s;
    }

    private static String key(Object v) {
        String key = text(v, "the storage key");
        if (!PLAIN_KEY.matcher(key).matches()) {
            throw new PickleError(SafeTensorsException.Kind.InvalidOffset, "storage key `" + printable(key)
                    + "` is not a plain name (letters, digits, _): it would reach outside the checkpoint's storages");
        }
        return key;
    }

    /** Python 2 pickles may hold these as bytes; torch decodes them as ASCII. */
    private static String text(Object v, String what) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof PyBytes b) {
            return new String(b.bytes(), StandardCharsets.ISO_8859_1);
        }
        throw PickleError.malformed(what + " must be a str, got " + PyValues.describe(v));
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().limit(80).forEach(c -> {
            if (c < 0x20 || c == 0x7F) {
                sb.append(String.format("\\x%02x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return s.length() > 80 ? sb + "..." : sb.toString();
    }
}
