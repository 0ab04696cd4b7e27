package dev.safetensors.torch.internal.checkpoint;

import dev.safetensors.torch.internal.pickle.Constructor;
import dev.safetensors.torch.internal.pickle.PickleError;
import dev.safetensors.torch.internal.pickle.PyBytes;
import dev.safetensors.torch.internal.pickle.PyComplex;
import dev.safetensors.torch.internal.pickle.PyDict;
import dev.safetensors.torch.internal.pickle.PySet;
import dev.safetensors.torch.internal.pickle.PyTuple;
import dev.safetensors.torch.internal.pickle.PyValues;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** The Python and torch constructors of plain values that state dicts and their companions use. */
final class DataConstructors {
    private DataConstructors() {
    }

    /** {@code collections.OrderedDict()} or {@code OrderedDict(pairs)}; NEWOBJ gives an empty one. */
    static final Constructor ORDERED_DICT = new Constructor("collections.OrderedDict", args -> {
        Args a = Args.of("collections.OrderedDict", args, 0, 1);
        PyDict d = new PyDict(true);
        if (a.size() == 1) {
            Object source = a.get(0);
            if (source instanceof PyDict from) {
                d.entries().putAll(from.entries());
            } else {
                for (Object pair : items(source, "collections.OrderedDict")) {
                    List<Object> kv = pair instanceof PyTuple t ? t.items() : pair instanceof List<?> l ? cast(l) : null;
                    if (kv == null || kv.size() != 2 || !PyValues.hashable(kv.get(0))) {
                        throw PickleError.malformed("`collections.OrderedDict` needs (key, value) pairs with plain keys, got "
                                + PyValues.describe(pair));
                    }
                    d.entries().put(kv.get(0), kv.get(1));
                }
            }
        }
        return d;
    }, args -> new PyDict(true));

    /** {@code builtins.set(items)} and {@code builtins.frozenset(items)}, as protocols 0 to 3 write sets. */
    static Constructor set(boolean frozen) {
        String name = frozen ? "builtins.frozenset" : "builtins.set";
        return Constructor.of(name, args -> {
            Args a = Args.of(name, args, 0, 1);
            PySet s = new PySet(frozen);
            if (a.size() == 1) {
                for (Object item : items(a.get(0), name)) {
                    if (!PyValues.hashable(item)) {
                        throw PickleError.malformed("`" + name + "`: an item of type " + PyValues.describe(item));
                    }
                    s.items().add(item);
                }
            }
            return s;
        });
    }

    /** {@code _codecs.encode(text, "latin1")}: how protocols 0 to 2 write {@code bytes}. */
    static final Constructor CODECS_ENCODE = Constructor.of("_codecs.encode", args -> {
        Args a = Args.of("_codecs.encode", args, 1, 2);
        return encode(a.string(0, "obj"), a.size() == 2 ? a.string(1, "encoding") : "utf-8", "_codecs.encode");
    });

    /**
     * {@code builtins.bytes()} and {@code builtins.bytearray()}, with no argument, bytes, or text and an
     * encoding: how protocols 0 to 2 write empty bytes and bytearrays.
     */
    static Constructor bytes(String name) {
        return Constructor.of(name, args -> {
            Args a = Args.of(name, args, 0, 2);
            if (a.size() == 0) {
                return new PyBytes(new byte[0]);
            }
            if (a.size() == 1) {
                return a.typed(0, PyBytes.class, "source", "bytes");
            }
            return encode(a.string(0, "source"), a.string(1, "encoding"), name);
        });
    }

    /** {@code builtins.complex(real, imag)}. */
    static final Constructor COMPLEX = Constructor.of("builtins.complex", args -> {
        Args a = Args.of("builtins.complex", args, 0, 2);
        return new PyComplex(a.size() > 0 ? real(a.get(0)) : 0, a.size() > 1 ? real(a.get(1)) : 0);
    });

    /** {@code torch.Size(sizes)}: a tuple. */
    static final Constructor TORCH_SIZE = Constructor.of("torch.Size", args -> {
        Args a = Args.of("torch.Size", args, 0, 1);
        if (a.size() == 0) {
            return PyTuple.EMPTY;
        }
        a.integers(0, "sizes");
        return a.get(0);
    });

    /** {@code torch.device("cuda", 0)} or {@code torch.device("cuda:0")}. */
    static final Constructor TORCH_DEVICE = Constructor.of("torch.device", args -> {
        Args a = Args.of("torch.device", args, 1, 2);
        String type = a.string(0, "type");
        return new TorchValues.Device(a.has(1) ? type + ":" + a.integer(1, "index") : type);
    });

    /** {@code torch.serialization._get_layout("torch.strided")}. */
    static final Constructor GET_LAYOUT = Constructor.of("torch.serialization._get_layout", args -> {
        Args a = Args.of("torch.serialization._get_layout", args, 1, 1);
        return new TorchValues.Layout(a.string(0, "name"));
    });

    private static PyBytes encode(String text, String encoding, String function) {
        switch (encoding.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "latin1", "latin-1", "iso-8859-1", "iso8859-1" -> {
                byte[] out = new byte[text.length()];
                for (int i = 0; i < out.length; i++) {
                    char c = text.charAt(i);
                    if (c > 0xFF) {
                        throw PickleError.malformed("`" + function + "`: a character beyond latin-1 in latin-1 text");
                    }
                    out[i] = (byte) c;
                }
                return new PyBytes(out);
            }
            case "utf-8", "utf8" -> {
                return new PyBytes(text.getBytes(StandardCharsets.UTF_8));
            }
            case "ascii" -> {
                if (text.chars().anyMatch(c -> c > 0x7F)) {
                    throw PickleError.malformed("`" + function + "`: a character beyond ASCII in ASCII text");
                }
                return new PyBytes(text.getBytes(StandardCharsets.US_ASCII));
            }
            default -> throw PickleError.unsafe("`" + function + "` with the codec `" + encoding
                    + "`: only latin-1, utf-8 and ascii are accepted");
        }
    }

    private static Collection<Object> items(Object source, String function) {
        return switch (source) {
            case PyTuple t -> t.items();
            case List<?> l -> cast(l);
            case PySet s -> s.items();
            default -> throw PickleError.malformed("`" + function + "` needs a list, tuple or set, got "
                    + PyValues.describe(source));
        };
    }

    @SuppressWarnings("unchecked")
    private static List<Object> cast(List<?> l) {
        return new ArrayList<>((List<Object>) l);
    }

    private static double real(Object v) {
        if (v instanceof Double d) {
            return d;
        }
        Long l = PyValues.asLong(v);
        if (l == null) {
            throw PickleError.malformed("`builtins.complex` needs numbers, got " + PyValues.describe(v));
        }
        return l;
    }
}
