#!/usr/bin/python3
"""Writes the hostile checkpoints of the torch module's tests, with Python's standard pickle and zipfile.

Run with `/usr/bin/python3 make_hostile.py` (torch 1.13 is needed only for the TorchScript archive and
the whole-module pickle); the output is committed. Every payload, if it ever ran, would create a file
`/tmp/safetensors-java-pwned-<case>` or start a process: the tests check that neither happens.
`expected.tsv` names, for each file, the error kind and a phrase its message must contain.

NEVER load these files with torch.load(weights_only=False) or pickle.load: they run code.
"""
import io
import os
import pickle
import struct
import subprocess
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

from torchzip import entry

OUT = Path(__file__).resolve().parent.parent / "resources" / "dev" / "safetensors" / "torch" / "hostile"
MARKER = "/tmp/safetensors-java-pwned-"
rows = []


def marker(case):
    return MARKER + case


class Call:
    """Pickles as func(*args) through REDUCE: the shape of every code-running pickle."""
    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def archive(name, pickled, storages=(), root="archive", extra=(), compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(OUT / name, "w", compression) as z:
        z.writestr(entry(f"{root}/data.pkl", compression), pickled)
        for key, data in storages:
            z.writestr(entry(f"{root}/data/{key}", compression), data)
        for name, data in extra:
            z.writestr(entry(name, compression), data)
        z.writestr(entry(f"{root}/version", compression), b"3\n")


def expect(name, kind, phrase):
    rows.append((name, kind, phrase))


def rebuild(numel=b"K\x01", offset=b"K\x00", size=b"K\x01\x85", stride=b"K\x01\x85", storage=b"FloatStorage",
            key=b"0"):
    """_rebuild_tensor_v2(<persistent id of a storage>, offset, size, stride, False, OrderedDict()), opcode by
    opcode at protocol 2, each argument given as the opcodes that push it."""
    return (b"ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\n" + storage + b"\n"
            + b"X" + struct.pack("<I", len(key)) + key + b"X\x03\x00\x00\x00cpu" + numel + b"tQ"
            + offset + size + stride + b"\x89ccollections\nOrderedDict\n)RtR")


def one_tensor(tensor):
    """{"w": tensor}."""
    return b"\x80\x02}X\x01\x00\x00\x00w" + tensor + b"s."


def torch_pickle(obj, protocol=2):
    return pickle.dumps(obj, protocol=protocol)


def code_execution():
    cases = {
        "os_system": Call(os.system, f"touch {marker('os_system')}"),
        "eval": Call(eval, f"open('{marker('eval')}', 'w')"),
        "exec": Call(exec, f"open('{marker('exec')}', 'w').close()"),
        "popen": Call(subprocess.Popen, ["touch", marker("popen")]),
    }
    # At protocols below 3 Python 3 writes Python 2 module names (subprocess as commands); the reader maps
    # them back as CPython's unpickler does, so the message names subprocess.Popen.
    names = {"os_system": "posix.system", "eval": "builtins.eval", "exec": "builtins.exec",
             "popen": "subprocess.Popen"}
    for case, payload in cases.items():
        # Hidden as one entry of an otherwise normal state dict, as a real attack would be.
        state = OrderedDict([("weight", 1.0), ("bias", payload)])
        archive(f"{case}.pt", torch_pickle(state))
        expect(f"{case}.pt", "UnsafePickle", names[case])
    # The same at protocol 4, where globals come from STACK_GLOBAL, and as a raw pickle (no zip).
    archive("popen_protocol4.pt", torch_pickle(cases["popen"], protocol=4))
    expect("popen_protocol4.pt", "UnsafePickle", "subprocess.Popen")
    archive("os_system_protocol4.pt", torch_pickle(cases["os_system"], protocol=4))
    expect("os_system_protocol4.pt", "UnsafePickle", "posix.system")
    (OUT / "os_system_raw.pkl").write_bytes(torch_pickle(cases["os_system"], protocol=2))
    expect("os_system_raw.pkl", "UnsafePickle", "posix.system")
    # Protocol 0, text opcodes.
    (OUT / "os_system_protocol0.pkl").write_bytes(torch_pickle(cases["os_system"], protocol=0))
    expect("os_system_protocol0.pkl", "UnsafePickle", "posix.system")


def reduce_chain():
    # getattr(__import__("os"), "system")("touch ..."): each call's result is the next call's callable.
    # pickle cannot write a call whose callable is itself a call's result: written opcode by opcode.
    p = (b"\x80\x02" + b"cbuiltins\ngetattr\n" + b"cbuiltins\n__import__\n" + b"X\x02\x00\x00\x00os" + b"\x85R"
         + b"X\x06\x00\x00\x00system" + b"\x86R" + b"X" + struct.pack("<I", len(marker("reduce_chain")) + 6)
         + f"touch {marker('reduce_chain')}".encode() + b"\x85R.")
    archive("reduce_chain.pt", p)
    expect("reduce_chain.pt", "UnsafePickle", "builtins.getattr")


def stack_globals():
    # Protocol 4: names pushed once, memoized, and fetched back with BINGET for STACK_GLOBAL.
    p = (b"\x80\x04" + b"\x8c\x05posix\x94" + b"\x8c\x06system\x94" + b"\x8c\x0bcollections\x94"
         + b"\x8c\x0bOrderedDict\x94\x93\x94)R\x94" + b"0" + b"h\x00h\x01\x93" + b"\x8c\x04true\x85R.")
    archive("stack_global_memo.pt", p)
    expect("stack_global_memo.pt", "UnsafePickle", "posix.system")
    # A name that is not a literal string: the result of a call (bytes from _codecs.encode).
    p = (b"\x80\x04" + b"\x8c\x05posix\x94" + b"\x8c\x07_codecs\x8c\x06encode\x93" + b"\x8c\x06system\x8c\x06latin1\x86R"
         + b"\x93" + b")R.")
    archive("stack_global_computed.pt", p)
    expect("stack_global_computed.pt", "UnsafePickle", "STACK_GLOBAL")


def builds():
    # BUILD on a list: Python would call list.__setstate__ if it existed; only OrderedDict state is accepted.
    archive("build_on_list.pt", b"\x80\x02]}X\x01\x00\x00\x00aK\x01sb.")
    expect("build_on_list.pt", "UnsafePickle", "BUILD")
    # BUILD on a tensor with a state that would set __class__ or call __setstate__.
    p = b"\x80\x02" + rebuild() + b"}X\t\x00\x00\x00__class__cposix\nsystem\nsb."
    archive("build_on_tensor.pt", p, storages=[("0", b"\x00\x00\x80?")])
    expect("build_on_tensor.pt", "UnsafePickle", "posix.system")
    p = b"\x80\x02" + rebuild() + b"}X\x01\x00\x00\x00aK\x01sb."
    archive("build_state_on_tensor.pt", p, storages=[("0", b"\x00\x00\x80?")])
    expect("build_state_on_tensor.pt", "UnsafePickle", "BUILD")
    # NEWOBJ and INST on classes off the allowlist.
    archive("newobj.pt", b"\x80\x02cargparse\nNamespace\n)\x81}X\x01\x00\x00\x00aK\x01sb.")
    expect("newobj.pt", "UnsafePickle", "argparse.Namespace")
    (OUT / "inst_protocol0.pkl").write_bytes(b"(S'touch " + marker("inst").encode() + b"'\nios\nsystem\n.")
    expect("inst_protocol0.pkl", "UnsafePickle", "os.system")
    # Extension registry codes resolve globals out of band.
    archive("ext1.pt", b"\x80\x02\x82\x01)R.")
    expect("ext1.pt", "UnsafePickle", "EXT1")


def memo_and_stack():
    archive("memo_missing.pt", b"\x80\x02h\x07.")
    expect("memo_missing.pt", "InvalidHeaderDeserialization", "memo")
    archive("stack_underflow.pt", b"\x80\x020.")
    expect("stack_underflow.pt", "InvalidHeaderDeserialization", "empty stack")
    archive("tuple_without_mark.pt", b"\x80\x02K\x01t.")
    expect("tuple_without_mark.pt", "InvalidHeaderDeserialization", "MARK")
    archive("setitem_on_int.pt", b"\x80\x02K\x01K\x02K\x03s.")
    expect("setitem_on_int.pt", "InvalidHeaderDeserialization", "SETITEM")
    archive("unknown_opcode.pt", b"\x80\x02\xff.")
    expect("unknown_opcode.pt", "InvalidHeaderDeserialization", "opcode 0xff")
    archive("no_stop.pt", b"\x80\x02}q\x00")
    expect("no_stop.pt", "InvalidHeaderDeserialization", "STOP")
    archive("out_of_band_buffer.pt", b"\x80\x05\x97.")
    expect("out_of_band_buffer.pt", "InvalidHeaderDeserialization", "out-of-band")
    # A reference cycle through a dict that holds a tensor: {"a": {"w": tensor, "loop": <that dict>}}.
    archive("cyclic.pt", b"\x80\x02}X\x01\x00\x00\x00a}q\x01(X\x01\x00\x00\x00w" + rebuild()
            + b"X\x04\x00\x00\x00looph\x01us.", storages=[("0", b"\x00" * 4)])
    expect("cyclic.pt", "InvalidHeaderDeserialization", "cycle")
    # Unhashable key: a list as a dict key (Python raises TypeError).
    archive("list_key.pt", b"\x80\x02}]K\x01s.")
    expect("list_key.pt", "InvalidHeaderDeserialization", "key")


def huge_sizes():
    archive("huge_unicode8.pt", b"\x80\x04\x8d" + struct.pack("<Q", 1 << 60) + b"abc.")
    expect("huge_unicode8.pt", "InvalidHeaderDeserialization", "1152921504606846976")
    archive("huge_binbytes.pt", b"\x80\x03B" + struct.pack("<I", 0xFFFFFFFF) + b"abc.")
    expect("huge_binbytes.pt", "InvalidHeaderDeserialization", "4294967295")
    archive("huge_long4.pt", b"\x80\x02\x8b" + struct.pack("<i", 0x7FFFFFFF) + b"\x01.")
    expect("huge_long4.pt", "InvalidHeaderDeserialization", "2147483647")
    archive("huge_frame.pt", b"\x80\x04\x95" + struct.pack("<Q", 1 << 62) + b"N.")
    expect("huge_frame.pt", "InvalidHeaderDeserialization", "frame")
    def t(numel, offset, size, stride):
        return one_tensor(rebuild(numel, offset, size, stride))
    one = b"K\x01"
    big = b"\x8a\x08" + struct.pack("<q", 1 << 60)
    archive("huge_numel.pt", t(big, b"K\x00", b"K\x01\x85", b"K\x01\x85"), storages=[("0", b"\x00" * 4)])
    expect("huge_numel.pt", "TensorInvalidInfo", "1152921504606846976")
    archive("huge_shape.pt", t(one, b"K\x00", b"\x8a\x03\x00\x00\x10\x8a\x03\x00\x00\x10\x86",
                               b"K\x01K\x01\x86"), storages=[("0", b"\x00" * 4)])
    expect("huge_shape.pt", "InvalidOffset", "w")
    archive("overflow_shape.pt", t(one, b"K\x00", b"\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x3f\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x01\x86",
                                   b"K\x00K\x00\x86"), storages=[("0", b"\x00" * 4)])
    expect("overflow_shape.pt", "ValidationOverflow", "w")
    archive("negative_stride.pt", t(b"K\x04", b"K\x03", b"K\x04\x85", b"J\xff\xff\xff\xff\x85"),
            storages=[("0", b"\x00" * 16)])
    expect("negative_stride.pt", "InvalidTensorView", "stride")
    archive("view_past_storage.pt", t(b"K\x04", b"K\x02", b"K\x04\x85", b"K\x01\x85"), storages=[("0", b"\x00" * 16)])
    expect("view_past_storage.pt", "InvalidOffset", "w")


def storage_keys():
    def pickled(key):
        return one_tensor(rebuild(key=key.encode()))
    # data/../etc/passwd would name an entry that exists: keys must be plain names.
    archive("key_traversal.pt", pickled("../etc/passwd"), storages=[("0", b"\x00" * 4)],
            extra=[("archive/etc/passwd", b"root:x:0:0")])
    expect("key_traversal.pt", "InvalidOffset", "../etc/passwd")
    archive("key_missing.pt", pickled("7"), storages=[("0", b"\x00" * 4)])
    expect("key_missing.pt", "InvalidOffset", "archive/data/7")
    archive("entry_dotdot.pt", pickled("0"), storages=[("0", b"\x00" * 4)], extra=[("archive/../../evil", b"x")])
    expect("entry_dotdot.pt", "InvalidHeaderDeserialization", "archive/../../evil")
    archive("entry_absolute.pt", pickled("0"), storages=[("0", b"\x00" * 4)], extra=[("/etc/evil", b"x")])
    expect("entry_absolute.pt", "InvalidHeaderDeserialization", "/etc/evil")
    archive("two_roots.pt", pickled("0"), storages=[("0", b"\x00" * 4)], extra=[("other/data.pkl", b"\x80\x02N.")])
    expect("two_roots.pt", "InvalidHeaderDeserialization", "other/data.pkl")


def zip_bombs():
    w = one_tensor(rebuild(numel=b"J\x00\x00\x00\x04", size=b"J\x00\x00\x00\x04\x85", storage=b"ByteStorage"))
    # 64 MiB of zeros deflated to about 64 KiB: never inflated, refused as compressed.
    with zipfile.ZipFile(OUT / "zip_bomb.pt", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(entry("archive/data.pkl"), w)
        z.writestr(entry("archive/data/0", zipfile.ZIP_DEFLATED), bytes(64 << 20))
        z.writestr(entry("archive/version"), b"3\n")
    expect("zip_bomb.pt", "InvalidHeaderDeserialization", "compressed")
    archive("deflated_pickle.pt", w, compression=zipfile.ZIP_DEFLATED)
    expect("deflated_pickle.pt", "InvalidHeaderDeserialization", "compressed")
    # Overlapping entries: the central directory says the pickle entry is longer than it is, so that its
    # bytes would run over the next entry's local header (the shape of non-recursive zip bombs).
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(entry("archive/data.pkl"), b"\x80\x02}.")
        z.writestr(entry("archive/data/0"), b"\x00" * 4)
        z.writestr(entry("archive/version"), b"3\n")
    data = bytearray(buf.getvalue())
    eocd = data.rfind(b"PK\x05\x06")
    cd = struct.unpack_from("<I", data, eocd + 16)[0]
    struct.pack_into("<II", data, cd + 20, 200, 200)
    (OUT / "overlapping_entries.pt").write_bytes(bytes(data))
    expect("overlapping_entries.pt", "InvalidOffset", "overlap")


def truncated():
    source = OUT.parent / "real" / "tracel-ai__burn__examples__import-model-weights__weights__mnist.pt"
    data = source.read_bytes()
    (OUT / "truncated_half.pt").write_bytes(data[:len(data) // 2])
    expect("truncated_half.pt", "MetadataIncompleteBuffer", "truncated")
    (OUT / "truncated_tail.pt").write_bytes(data[:-10])
    expect("truncated_tail.pt", "MetadataIncompleteBuffer", "truncated")
    legacy = (OUT.parent / "generated" / "legacy.pt").read_bytes()
    (OUT / "truncated_legacy.pt").write_bytes(legacy[:-7])
    expect("truncated_legacy.pt", "MetadataIncompleteBuffer", "truncated")


def torch_programs():
    import torch
    import torch.nn as nn
    torch.jit.save(torch.jit.script(nn.Linear(2, 2)), OUT / "torchscript.pt")
    expect("torchscript.pt", "UnsafePickle", "TorchScript")
    torch.save(nn.Linear(2, 2), OUT / "whole_module.pt")
    expect("whole_module.pt", "UnsafePickle", "torch.nn.modules.linear.Linear")
    import numpy as np
    torch.save({"w": np.zeros(2)}, OUT / "numpy_array.pt")
    expect("numpy_array.pt", "UnsafePickle", "numpy")
    torch.save({"q": torch.quantize_per_tensor(torch.ones(2), 0.1, 0, torch.qint8)}, OUT / "quantized.pt")
    expect("quantized.pt", "UnsafePickle", "_rebuild_qtensor")
    torch.save({"s": torch.ones(2, 2).to_sparse()}, OUT / "sparse.pt")
    expect("sparse.pt", "UnsafePickle", "_rebuild_sparse_tensor")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    code_execution()
    reduce_chain()
    stack_globals()
    builds()
    memo_and_stack()
    huge_sizes()
    storage_keys()
    zip_bombs()
    truncated()
    torch_programs()
    with open(OUT / "expected.tsv", "w") as f:
        f.write("file\tkind\tmessage_contains\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    leftover = [p for p in Path("/tmp").glob("safetensors-java-pwned-*")]
    assert not leftover, f"a payload ran while writing: {leftover}"
    print(f"{len(rows)} hostile files in {OUT}")


if __name__ == "__main__":
    sys.exit(main())
