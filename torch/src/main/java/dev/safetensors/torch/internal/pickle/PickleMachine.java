package dev.safetensors.torch.internal.pickle;

import dev.safetensors.SafeTensorsException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pickle virtual machine for protocols 0 to 5 whose opcodes only build data.
 *
 * <p>{@link #load} runs a stream twice. The first pass scans: every opcode is decoded and bounds-checked,
 * every global is resolved against the {@link Globals} allowlist, every call and {@code BUILD} target is
 * checked, but nothing is constructed and no persistent id is resolved; all globals refused are collected
 * and reported together as {@code UnsafePickle}. Only a stream that passes is run again to build values,
 * calling the allowlist's {@link Constructor}s, which build plain records. Globals are looked up by their
 * exact strings in a table: no class is loaded, nothing is imported, reflected on or evaluated, ever.
 *
 * <p>Stack, marks, memo, containers, strings and the total memory built are bounded by the
 * {@link Budget}'s limits; a long is parsed from at most 4,300 digits, as CPython does.
 */
public final class PickleMachine {
    /** What one stream yields: its value, and where the stream ended (the next one starts there). */
    public record Result(Object value, long end) {
    }

    private record Refused(PyGlobal global, long position) {
    }

    private static final int MAX_NAME = 1024;
    /** Python 2 module names that CPython's unpickler maps for protocols below 3 (part of {@code _compat_pickle}). */
    private static final Map<String, String> PYTHON2_MODULES = Map.of("__builtin__", "builtins", "copy_reg", "copyreg",
            "commands", "subprocess", "cPickle", "pickle", "exceptions", "builtins", "UserDict", "collections",
            "cStringIO", "io", "StringIO", "io");
    private static final int MAX_LINE = 64 * 1024;

    private final PickleInput in;
    private final String source;
    private final String stream;
    private final Globals globals;
    private final PersistentLoader persistent;
    private final Budget budget;
    private final boolean scan;

    private final PickleStack stack;
    private final Containers containers;
    private final List<Refused> refused = new ArrayList<>();
    private int protocol;

    private PickleMachine(PickleInput in, String source, String stream, Globals globals, PersistentLoader persistent,
            Budget budget, boolean scan) {
        this.in = in;
        this.source = source;
        this.stream = stream;
        this.globals = globals;
        this.persistent = persistent;
        this.budget = budget;
        this.scan = scan;
        this.stack = new PickleStack(budget);
        this.containers = new Containers(budget, scan);
    }

    /**
     * Scans, then runs, the pickle starting at {@code start} in {@code bytes}.
     *
     * @param source the file, for messages
     * @param stream which stream of it ({@code archive/data.pkl}), for messages
     * @throws SafeTensorsException {@code UnsafePickle} naming every global off the allowlist (or a call or
     *         BUILD on something that is not data), {@code HeaderTooLarge} past the size limit,
     *         {@code InvalidHeaderDeserialization} for a malformed stream or a broken limit
     */
    public static Result load(MemorySegment bytes, long start, String source, String stream, Globals globals,
            PersistentLoader persistent, Budget budget) {
        long max = budget.limits().maxPickleBytes();
        long end = Math.min(bytes.byteSize(), start + max);
        boolean capped = bytes.byteSize() - start > max;
        new PickleMachine(new PickleInput(bytes, start, end), source, stream, globals, persistent,
                new Budget(budget.limits()), true).run(capped);
        PickleMachine build = new PickleMachine(new PickleInput(bytes, start, end), source, stream, globals,
                persistent, budget, false);
        Object value = build.run(capped);
        return new Result(value, build.in.position());
    }

    private Object run(boolean capped) {
        while (true) {
            long at = in.position();
            Opcode op = null;
            try {
                if (in.atEnd()) {
                    if (capped) {
                        throw new SafeTensorsException(SafeTensorsException.Kind.HeaderTooLarge, source, stream
                                + " is longer than the limit of " + budget.limits().maxPickleBytes()
                                + " bytes (PickleLimits.maxPickleBytes) and has not ended");
                    }
                    throw PickleError.malformed("the pickle ends after " + at + " bytes without a STOP opcode");
                }
                int b = in.u8();
                op = Opcode.of(b);
                if (op == null) {
                    throw PickleError.malformed(String.format("unknown opcode 0x%02x", b));
                }
                if (op == Opcode.STOP) {
                    Object result = pop(op);
                    if (!refused.isEmpty()) {
                        throw unsafeGlobals(null);
                    }
                    return result;
                }
                step(op);
            } catch (PickleError e) {
                if (scan && !refused.isEmpty()) {
                    throw unsafeGlobals(e.getMessage());
                }
                throw new SafeTensorsException(e.kind(), source, stream + ", byte " + at
                        + (op == null ? "" : " (" + op + ")") + ": " + e.getMessage());
            } catch (SafeTensorsException e) {
                if (scan && !refused.isEmpty() && e.kind() != SafeTensorsException.Kind.UnsafePickle) {
                    throw unsafeGlobals(e.detail());
                }
                throw e;
            }
        }
    }

    private void step(Opcode op) {
        switch (op) {
            case MARK -> stack.mark();
            case POP -> stack.discard(op);
            case POP_MARK -> popMark(op);
            case DUP -> push(top(op));
            case FLOAT -> number(PickleText.parseFloat(PickleText.ascii(in.line(MAX_LINE))));
            case INT -> {
                String text = PickleText.ascii(in.line(MAX_LINE));
                push(text.equals("00") ? Boolean.FALSE : text.equals("01") ? Boolean.TRUE : PickleText.parseInt(text, true));
            }
            case LONG -> {
                String text = PickleText.ascii(in.line(MAX_LINE));
                number(PickleText.parseInt(text.endsWith("L") ? text.substring(0, text.length() - 1) : text, true));
            }
            case BININT -> number((long) in.i32());
            case BININT1 -> number((long) in.u8());
            case BININT2 -> number((long) in.u16());
            case LONG1 -> number(PickleText.littleEndianInt(read(in.u8())));
            case LONG4 -> number(PickleText.littleEndianInt(read(signedLength(in.i32()))));
            case BINFLOAT -> number(in.f64BigEndian());
            case NONE -> push(PyNone.NONE);
            case NEWTRUE -> push(Boolean.TRUE);
            case NEWFALSE -> push(Boolean.FALSE);
            case STRING -> push(PickleText.utf8(PickleText.quotedString(line())));
            case BINSTRING -> push(PickleText.utf8(read(signedLength(in.i32()))));
            case SHORT_BINSTRING, SHORT_BINUNICODE -> push(PickleText.utf8(read(in.u8())));
            case UNICODE -> push(PickleText.rawUnicodeEscape(line()));
            case BINUNICODE -> push(PickleText.utf8(read(in.u32())));
            case BINUNICODE8 -> push(PickleText.utf8(read(in.i64())));
            case BINBYTES -> push(new PyBytes(read(in.u32())));
            case SHORT_BINBYTES -> push(new PyBytes(read(in.u8())));
            case BINBYTES8, BYTEARRAY8 -> push(new PyBytes(read(in.i64())));
            case EMPTY_TUPLE -> push(PyTuple.EMPTY);
            case TUPLE1 -> push(containers.tuple(stack.popTail(op, 1)));
            case TUPLE2 -> push(containers.tuple(stack.popTail(op, 2)));
            case TUPLE3 -> push(containers.tuple(stack.popTail(op, 3)));
            case TUPLE -> push(containers.tuple(popMark(op)));
            case EMPTY_LIST -> push(containers.list(List.of()));
            case LIST -> push(containers.list(popMark(op)));
            case EMPTY_DICT -> push(containers.dict(List.of()));
            case DICT -> push(containers.dict(popMark(op)));
            case EMPTY_SET -> push(containers.set(false, List.of()));
            case FROZENSET -> push(containers.set(true, popMark(op)));
            case APPEND -> {
                Object item = pop(op);
                containers.append(top(op), List.of(item), op);
            }
            case APPENDS -> {
                List<Object> items = popMark(op);
                containers.append(top(op), items, op);
            }
            case SETITEM -> {
                Object value = pop(op);
                Object key = pop(op);
                containers.setItems(top(op), List.of(key, value), op);
            }
            case SETITEMS -> {
                List<Object> items = popMark(op);
                containers.setItems(top(op), items, op);
            }
            case ADDITEMS -> {
                List<Object> items = popMark(op);
                containers.addItems(top(op), items, op);
            }
            case GET -> push(stack.memoGet(parseIndex(op)));
            case BINGET -> push(stack.memoGet(in.u8()));
            case LONG_BINGET -> push(stack.memoGet(in.u32()));
            case PUT -> stack.memoPut(parseIndex(op), top(op));
            case BINPUT -> stack.memoPut(in.u8(), top(op));
            case LONG_BINPUT -> stack.memoPut(in.u32(), top(op));
            case MEMOIZE -> stack.memoPut(stack.memoSize(), top(op));
            case GLOBAL -> push(resolve(name(), name()));
            case STACK_GLOBAL -> {
                Object name = pop(op);
                Object module = pop(op);
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw PickleError.unsafe("STACK_GLOBAL needs the module and name as two strings, got "
                            + PyValues.describe(module) + " and " + PyValues.describe(name)
                            + " (a name computed at load time is refused)");
                }
                push(resolve(m, n));
            }
            case REDUCE -> {
                Object args = pop(op);
                Object callee = pop(op);
                if (!(args instanceof PyTuple t) && !(scan && args == Opaque.VALUE)) {
                    throw PickleError.malformed("REDUCE arguments must be a tuple, got " + PyValues.describe(args));
                }
                push(call(callee, args instanceof PyTuple t ? t.items() : List.of(), op));
            }
            case NEWOBJ -> {
                Object args = pop(op);
                Object cls = pop(op);
                push(call(cls, args instanceof PyTuple t ? t.items() : List.of(), op));
            }
            case NEWOBJ_EX -> {
                Object kwargs = pop(op);
                Object args = pop(op);
                Object cls = pop(op);
                if (kwargs instanceof PyDict d && !d.entries().isEmpty()) {
                    throw PickleError.unsafe("NEWOBJ_EX with keyword arguments on " + PyValues.describe(cls));
                }
                push(call(cls, args instanceof PyTuple t ? t.items() : List.of(), op));
            }
            case INST -> {
                Object cls = resolve(name(), name());
                push(call(cls, popMark(op), op));
            }
            case OBJ -> {
                List<Object> items = popMark(op);
                if (items.isEmpty()) {
                    throw PickleError.malformed("OBJ needs a class after its MARK");
                }
                push(call(items.getFirst(), items.subList(1, items.size()), op));
            }
            case BUILD -> {
                Object state = pop(op);
                build(top(op), state);
            }
            case PERSID -> persistentId(PickleText.ascii(line()));
            case BINPERSID -> persistentId(pop(op));
            case EXT1, EXT2, EXT4 -> throw PickleError.unsafe(op + " names a global by a number in copyreg's "
                    + "extension registry, which a file cannot be trusted to mean; refused");
            case PROTO -> {
                protocol = in.u8();
                if (protocol > 5) {
                    throw PickleError.malformed("unsupported pickle protocol " + protocol + " (0 to 5 are known)");
                }
            }
            case FRAME -> in.frame(in.i64());
            case NEXT_BUFFER, READONLY_BUFFER -> throw PickleError.malformed("the pickle refers to an out-of-band "
                    + "buffer (protocol 5), which a file cannot supply");
            case STOP -> throw new IllegalStateException("STOP is handled by run()");
        }
    }

    // ---- globals, calls, BUILD -------------------------------------------------------------------------

    private Object resolve(String module, String name) {
        if (protocol < 3) {
            module = PYTHON2_MODULES.getOrDefault(module, module);
        }
        PyGlobal g = new PyGlobal(module, name);
        Object value = name.contains(".") ? null : globals.resolve(g).orElse(null);
        if (value != null) {
            return value;
        }
        if (!scan) {
            throw PickleError.unsafe("`" + g.qualifiedName() + "` is not on the allowlist: " + globals.refusal(g));
        }
        refused.add(new Refused(g, in.position()));
        return g;   // inert: calling it in the scan yields an opaque value
    }

    private Object call(Object callee, List<Object> args, Opcode op) {
        boolean newobj = op == Opcode.NEWOBJ || op == Opcode.NEWOBJ_EX;
        if (scan && callee instanceof PyGlobal refusedGlobal) {
            return refusedGlobal;   // already refused, and so is what it returns; keep scanning for others
        }
        if (!(callee instanceof Constructor c)) {
            throw PickleError.unsafe(op + " on " + PyValues.describe(callee) + ": only allowlisted constructors can be "
                    + "called" + (callee == Opaque.VALUE ? " (this is a chain of __reduce__ calls)" : ""));
        }
        if (newobj && c.newInstance() == null) {
            throw PickleError.unsafe(op + " on `" + c.name() + "`: its instances are not plain data");
        }
        if (scan) {
            return Opaque.VALUE;
        }
        budget.chargeCall(args);
        Object result = (newobj ? c.newInstance() : c.call()).apply(List.copyOf(args));
        return result;
    }

    /** BUILD sets attributes, and only an OrderedDict's (a state dict's {@code _metadata}). */
    private void build(Object target, Object state) {
        if (scan && (target == Opaque.VALUE || target instanceof PyGlobal)) {
            return;
        }
        if (!(target instanceof PyDict d) || !d.ordered()) {
            throw PickleError.unsafe("BUILD on " + PyValues.describe(target)
                    + ": only an OrderedDict's attributes may be set from a file");
        }
        Object dict = state;
        Object slots = PyNone.NONE;
        if (state instanceof PyTuple t && t.size() == 2) {
            dict = t.get(0);
            slots = t.get(1);
        }
        for (Object part : List.of(dict, slots)) {
            if (part instanceof PyDict s) {
                for (Map.Entry<Object, Object> e : s.entries().entrySet()) {
                    budget.chargeElement(d.attributes().size() + 1, 4 * Budget.REFERENCE);
                    d.attributes().put(e.getKey(), e.getValue());
                }
            } else if (part != PyNone.NONE && !(scan && part == Opaque.VALUE)) {
                throw PickleError.malformed("BUILD state must be a dict or None, got " + PyValues.describe(part));
            }
        }
    }

    private void persistentId(Object pid) {
        push(scan ? Opaque.VALUE : persistent.load(pid));
    }

    private SafeTensorsException unsafeGlobals(String alsoMalformed) {
        StringBuilder sb = new StringBuilder(stream).append(" refers to ");
        sb.append(refused.size() == 1 ? "a global" : refused.size() + " globals").append(" off the allowlist: ");
        int shown = Math.min(refused.size(), 8);
        for (int i = 0; i < shown; i++) {
            Refused r = refused.get(i);
            sb.append(i == 0 ? "" : "; ").append('`').append(r.global().qualifiedName()).append("` (byte ")
                    .append(r.position()).append("): ").append(globals.refusal(r.global()));
        }
        if (refused.size() > shown) {
            sb.append("; and ").append(refused.size() - shown).append(" more");
        }
        sb.append(". Nothing was executed");
        if (alsoMalformed != null) {
            sb.append(" (the stream is also malformed: ").append(alsoMalformed).append(')');
        }
        return new SafeTensorsException(SafeTensorsException.Kind.UnsafePickle, source, sb.toString());
    }

    // ---- stack and arguments -------------------------------------------------------------------------

    private void number(Object n) {
        budget.charge(Budget.OBJECT);
        push(n);
    }

    private void push(Object v) {
        stack.push(v);
    }

    private Object pop(Opcode op) {
        return stack.pop(op);
    }

    private Object top(Opcode op) {
        return stack.top(op);
    }

    private List<Object> popMark(Opcode op) {
        return stack.popMark(op);
    }

    private long parseIndex(Opcode op) {
        Object i = PickleText.parseInt(PickleText.ascii(in.line(MAX_LINE)), false);
        if (!(i instanceof Long l) || l < 0) {
            throw PickleError.malformed(op + " needs a memo index from 0 to 2^63, got " + PyValues.describe(i));
        }
        return l;
    }

    private byte[] read(long length) {
        in.require(length);
        budget.chargeString(length);
        return in.bytes(length);
    }

    private static long signedLength(int n) {
        if (n < 0) {
            throw PickleError.malformed("declares a negative length " + n);
        }
        return n;
    }

    private byte[] line() {
        byte[] l = in.line(budget.limits().maxStringBytes());
        budget.chargeString(l.length);
        return l;
    }

    private String name() {
        return PickleText.utf8(in.line(MAX_NAME));
    }
}
