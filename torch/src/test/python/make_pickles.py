#!/usr/bin/python3
"""Writes plain-data pickles at every protocol (0-5) with Python's standard pickle module, and what
Python itself reads back from them, for the pickle machine's tests.

`values-pN.pkl` is `pickle.dumps(VALUES, protocol=N)`; `values.txt` holds one line per element of VALUES
as `render(pickle.loads(...))` gives it (the same for every protocol, checked here). The Java test
renders what the pickle machine builds with the same rules and compares line by line.

Run with `/usr/bin/python3 make_pickles.py`; the output is committed.
"""
import math
import pickle
import struct
import sys
from collections import OrderedDict
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "resources" / "dev" / "safetensors" / "torch" / "pickle"

shared = [1, 2]
VALUES = [
    None, True, False,
    0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -2**31, 2**31, 2**63 - 1, -2**63, 2**64, -(2**100), 10**40,
    0.0, -0.0, 1.5, -2.25, 1e300, 5e-324, math.inf, -math.inf, math.nan, 0.1,
    "", "ascii", "é", "line\nbreak 'quoted' \"double\" back\\slash", "\U0001F600 astral", "x" * 300, "\x00\x7f\u0100",
    b"", b"\x00\xff", bytes(range(256)) * 2, bytearray(b"mutable"),
    (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((),),
    [], [None], list(range(2500)),
    {}, {"a": 1, "b": [2, 3]}, {i: str(i) for i in range(1200)}, {(1, "t"): "tuple key", 2.5: "float key"},
    OrderedDict([("z", 1), ("a", 2)]),
    {1, 2, 3}, frozenset({"x"}), set(),
    complex(1.5, -2),
    [shared, shared, (shared,)],
]


# Opcodes Python 3's pickler never writes (Python 2 strings, 8-byte lengths, LONG4, stack operations, the
# object-building opcodes on OrderedDict), written by hand; Python's unpickler reads them for the oracle
# with encoding="utf-8", as torch.load does.
OPCODES = {
    "string": b"S'a\\nb\\x41\\'q\\\\ \\101'\n.",
    "string_double_quoted": b'S"it\'s"\n.',
    "binstring": b"T\x03\x00\x00\x00abc.",
    "short_binstring": b"U\x03h\xc3\xa9.",
    "unicode_escapes": b"V\\u00e9t\\U0001f600\\\\x\n.",
    "binunicode8": b"\x80\x04\x8d\x03\x00\x00\x00\x00\x00\x00\x00hey.",
    "binbytes8": b"\x80\x04\x8e\x02\x00\x00\x00\x00\x00\x00\x00\x01\x02.",
    "long4": b"\x80\x02\x8b\x03\x00\x00\x00\xff\xff\x7f.",
    "long1_negative": b"\x80\x02\x8a\x02\x00\xff.",
    "long1_empty": b"\x80\x02\x8a\x00.",
    "int_text": b"(I01\nI00\nI-12\nI+7\nL123L\nL-5\nF1.5\nFnan\nF-inf\nF1e-5\nl.",
    "pop_dup_popmark": b"(K\x01K\x021K\x03K\x040K\x05\x86.",
    "dup": b"K\x072\x86.",
    "newobj": b"\x80\x02ccollections\nOrderedDict\n)\x81.",
    "newobj_ex": b"\x80\x04ccollections\nOrderedDict\n)}\x92.",
    "obj": b"(ccollections\nOrderedDict\no.",
    "inst": b"(icollections\nOrderedDict\n.",
    "build_ordered_dict": b"\x80\x02ccollections\nOrderedDict\n)R}X\t\x00\x00\x00_metadataK\x01sbX\x01\x00\x00\x00aK\x02s.",
    "get_put_text": b"(lp0\nI1\naI2\na(g0\ng0\nt.",
    "dict_from_mark": b"(K\x01K\x02K\x03K\x04d.",
    "frame": b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01\x85\x94.",
    "frozenset_from_mark": b"\x80\x04(K\x01K\x02\x91.",
    "bytearray8": b"\x80\x05\x96\x01\x00\x00\x00\x00\x00\x00\x00z.",
}


def esc(s):
    out = []
    for ch in s:
        if 0x20 <= ord(ch) < 0x7F and ch not in "\\'":
            out.append(ch)
        else:
            for unit in struct.unpack("<%dH" % (len(ch.encode("utf-16-le")) // 2), ch.encode("utf-16-le")):
                out.append("\\u%04x" % unit)
    return "'" + "".join(out) + "'"


def render(v):
    if v is None:
        return "None"
    if v is True:
        return "True"
    if v is False:
        return "False"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "f:" + struct.pack(">d", v).hex()
    if isinstance(v, complex):
        return "c:" + struct.pack(">d", v.real).hex() + ":" + struct.pack(">d", v.imag).hex()
    if isinstance(v, str):
        return esc(v)
    if isinstance(v, (bytes, bytearray)):
        return "b:" + bytes(v).hex()
    if isinstance(v, tuple):
        return "(" + ", ".join(render(x) for x in v) + ")"
    if isinstance(v, list):
        return "[" + ", ".join(render(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(render(k) + ": " + render(x) for k, x in v.items()) + "}"
    if isinstance(v, (set, frozenset)):
        return "set{" + ", ".join(sorted(render(x) for x in v)) + "}"
    raise TypeError(type(v))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    expected = [render(v) for v in VALUES]
    for protocol in range(6):
        data = pickle.dumps(VALUES, protocol=protocol)
        got = [render(v) for v in pickle.loads(data)]
        assert got == expected, protocol
        (OUT / f"values-p{protocol}.pkl").write_bytes(data)
    (OUT / "values.txt").write_text("\n".join(expected) + "\n")
    lines = []
    for name, data in OPCODES.items():
        (OUT / f"op-{name}.pkl").write_bytes(data)
        lines.append(name + "\t" + render(pickle.loads(data, encoding="utf-8")))
    (OUT / "opcodes.tsv").write_text("\n".join(lines) + "\n")
    print(f"{len(VALUES)} values, protocols 0-5, and {len(OPCODES)} hand-written opcode sequences in {OUT}")


if __name__ == "__main__":
    sys.exit(main())
