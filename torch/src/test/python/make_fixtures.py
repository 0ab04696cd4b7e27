#!/usr/bin/python3
"""Writes the generated PyTorch fixtures of the torch module's tests, with real PyTorch.

Run with Debian's torch 1.13 (`apt-get install python3-torch`, then `/usr/bin/python3 make_fixtures.py`);
the output is committed, so the test suite never needs Python. Expected values come from PyTorch itself:
`expected.tsv` holds, for every tensor of every file, the dtype, shape and SHA-256 of the bytes of
`torch.load(f)[name].contiguous()` (little-endian), as torch computes them.

Files that torch 1.13 cannot write (a big-endian archive, the torch 2.x `_rebuild_tensor_v3` layout of
float8 and uint16 tensors, zip64 records, unusual archive names) are built from real torch output with
the standard `zipfile` and `pickle` modules: the pickles use the exact globals and argument lists those
versions write, and the expected values are the same tensors' bytes computed with torch.
"""
import hashlib
import io
import json
import os
import pickle
import struct
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

from torchzip import entry

import torch
import torch.nn as nn

OUT = Path(__file__).resolve().parent.parent / "resources" / "dev" / "safetensors" / "torch" / "generated"
REAL = Path(__file__).resolve().parent.parent / "resources" / "dev" / "safetensors" / "torch" / "real"

WIRE = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
    torch.bool: "BOOL", torch.complex64: "C64",
}

rows = []


def contiguous_bytes(t):
    t = t.detach().contiguous()
    if t.numel() == 0:
        return b""
    return t.reshape(-1).view(torch.uint8).numpy().tobytes()


def expect(file, state, dtypes=None):
    """Rows for every tensor of a flat name -> tensor dict."""
    for name, t in state.items():
        wire = (dtypes or {}).get(name) or WIRE[t.dtype]
        shape = ",".join(str(d) for d in t.shape)
        rows.append((file, name, wire, shape, hashlib.sha256(contiguous_bytes(t)).hexdigest()))


def save(name, obj, flat=None, **kwargs):
    torch.save(obj, OUT / name, **kwargs)
    loaded = torch.load(OUT / name)
    expect(name, flat(loaded) if flat else loaded)


def dtypes():
    torch.manual_seed(1)
    base = torch.randn(2, 3, dtype=torch.float64) * 100
    d = OrderedDict()
    d["f64"] = base.clone()
    d["f32"] = base.float()
    d["f16"] = base.half()
    d["bf16"] = base.bfloat16()
    d["i64"] = (base * 1e6).long()
    d["i32"] = base.int()
    d["i16"] = base.short()
    d["i8"] = base.clamp(-128, 127).char()
    d["u8"] = (base.abs() % 256).byte()
    d["bool"] = base > 0
    d["c64"] = torch.complex(base.float(), -base.float())
    d["scalar"] = torch.tensor(7.25)
    d["empty"] = torch.zeros(0, 4)
    save("dtypes.pt", d)
    save("complex128.pt", {"c128": torch.zeros(2, dtype=torch.complex128)}, flat=lambda _: {})


def views():
    base = torch.arange(60, dtype=torch.float32).reshape(5, 12)
    d = OrderedDict()
    d["base"] = base
    d["row"] = base[2]                     # offset 24, contiguous
    d["column"] = base[:, 3]               # offset 3, stride 12
    d["transposed"] = base.t()             # strides (1, 12)
    d["stepped"] = base[1:4, 2:10:3]       # offset 14, strides (12, 3)
    d["element"] = base[3, 7]              # rank 0, offset 43
    d["none"] = base[:0]                   # empty view
    small = torch.arange(6, dtype=torch.int16).reshape(2, 3)
    d["broadcast"] = small[:, :1].expand(2, 4)   # stride 0
    d["small"] = small
    save("views.pt", d)


def shared():
    torch.manual_seed(2)
    w = torch.randn(4, 3)
    d = OrderedDict()
    d["lm_head.weight"] = w                # the same tensor object twice: identical views
    d["embed.weight"] = w
    d["embed.alias"] = w.view(4, 3)        # another tensor object, identical view of the same storage
    d["flat"] = w.view(12)                 # the whole storage, another shape: not identical, copied
    base = torch.arange(10, dtype=torch.int32)
    d["head"] = base[0:6]                  # overlapping partial views, nothing covers the storage
    d["tail"] = base[4:10]
    save("shared.pt", d)


def parameters():
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    model.train()
    model(torch.randn(4, 3))               # running statistics move, num_batches_tracked = 1
    save("module_state.pt", model.state_dict())
    d = OrderedDict()
    d["weight"] = nn.Parameter(torch.randn(2, 2))
    d["frozen"] = nn.Parameter(torch.randn(3), requires_grad=False)
    d["buffer"] = torch.ones(2, dtype=torch.int64)
    save("parameters.pt", d)


def protocols():
    torch.manual_seed(4)
    d = OrderedDict([("a", torch.randn(3, 2)), ("b", torch.arange(5)), ("c", torch.randn(2, 2).t())])
    save("protocol4.pt", d, pickle_protocol=4)
    save("protocol2.pt", d, pickle_protocol=2)


def legacy():
    torch.manual_seed(5)
    base = torch.randn(3, 4)
    d = OrderedDict()
    d["weight"] = base
    d["column"] = base[:, 1]
    d["bf16"] = torch.randn(5).bfloat16()
    d["count"] = torch.tensor(12)
    d["mask"] = torch.tensor([True, False, True])
    save("legacy.pt", d, _use_new_zipfile_serialization=False)
    save("legacy_protocol4.pt", d, _use_new_zipfile_serialization=False, pickle_protocol=4)


def nested():
    torch.manual_seed(6)
    model = nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.randn(2, 3)).sum().backward()
    opt.step()
    ckpt = {"epoch": 3, "state_dict": model.state_dict(), "optimizer": opt.state_dict(),
            "hyper_parameters": {"lr": 1e-3, "name": "linear"}}
    save("lightning.ckpt", ckpt, flat=lambda c: c["state_dict"])
    # The optimizer state alone: tensors under integer keys, non-tensor leaves everywhere.
    flat = {}
    for index, state in opt.state_dict()["state"].items():
        for key, value in state.items():
            flat[f"state.{index}.{key}"] = value
    save("optimizer.pt", opt.state_dict(), flat=lambda _: flat)
    # A module's state dict under "model", beside a list of tensors.
    other = {"model": model.state_dict(), "anchors": [torch.ones(2), torch.zeros(1)], "step": 10}
    save("model_and_list.pt", other, flat=lambda c: c["model"])
    # One tensor, not a dict: its name is the root's path, the empty name.
    save("single_tensor.pt", torch.arange(3, dtype=torch.int16), flat=lambda t: {"": t})


def sharded():
    torch.manual_seed(7)
    directory = OUT / "sharded"
    directory.mkdir(exist_ok=True)
    parts = [OrderedDict([("layer.0.weight", torch.randn(4, 4)), ("layer.0.bias", torch.randn(4))]),
             OrderedDict([("layer.1.weight", torch.randn(4, 4).half()), ("layer.1.bias", torch.randn(4).half()),
                          ("head.weight", torch.randn(2, 4))])]
    weight_map = {}
    total = 0
    for i, part in enumerate(parts):
        name = f"pytorch_model-{i + 1:05d}-of-{len(parts):05d}.bin"
        torch.save(part, directory / name)
        loaded = torch.load(directory / name)
        expect("sharded/" + name, loaded)
        for key, t in part.items():
            weight_map[key] = name
            total += t.numel() * t.element_size()
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (directory / "pytorch_model.bin.index.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")


def rewrite_zip(src, dst, edit, add=()):
    """Copies a zip entry by entry through edit(name, bytes) -> (name, bytes) or None, stored; then adds entries."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            result = edit(info.filename, zin.read(info.filename))
            if result is not None:
                zout.writestr(entry(result[0]), result[1])
        for name, data in add:
            zout.writestr(entry(name), data)


def big_endian():
    torch.manual_seed(8)
    d = OrderedDict([("f32", torch.randn(2, 3)), ("f16", torch.randn(4).half()), ("i64", torch.arange(3) - 1),
                     ("c64", torch.complex(torch.randn(2), torch.randn(2))), ("u8", torch.arange(4).byte()),
                     ("transposed", torch.arange(6, dtype=torch.int32).reshape(2, 3).t())])
    buf = io.BytesIO()
    torch.save(d, buf)
    # torch.save numbers storages in the order it meets them: here one storage per value, in order.
    # Complex values are swapped per float, as a big-endian machine stores them.
    sizes = {str(i): (t.element_size() // 2 if t.is_complex() else t.element_size()) for i, t in enumerate(d.values())}
    def swap(name, data):
        if name.endswith("/byteorder"):
            return None
        if "/data/" in name:
            width = sizes[name.rsplit("/", 1)[1]]
            return name, b"".join(data[i:i + width][::-1] for i in range(0, len(data), width))
        return name, data
    rewrite_zip(io.BytesIO(buf.getvalue()), OUT / "big_endian.pt", swap, add=[("archive/byteorder", b"big")])
    # torch >= 2.0 swaps big-endian storages back when it loads them (1.13 predates the byteorder record):
    # the expected values are the tensors saved.
    expect("big_endian.pt", d)


class FakeGlobal:
    """Stands in for a torch 2.x global that torch 1.13 lacks; pickles as a reference by name."""
    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):
        raise AssertionError("never called: only pickled by name")


class RawStorage:
    def __init__(self, storage_type, key, numel):
        self.storage_type, self.key, self.numel = storage_type, key, numel


class RawTensor:
    def __init__(self, reduce):
        self.reduce = reduce

    def __reduce__(self):
        return self.reduce


class TorchPickler(pickle._Pickler):
    """Writes persistent ids the way torch.save does, and globals by name (torch 1.13 lacks some of them)."""
    def persistent_id(self, obj):
        if isinstance(obj, RawStorage):
            return ("storage", obj.storage_type, obj.key, "cpu", obj.numel)
        return None

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, FakeGlobal):
            if id(obj) in self.memo:
                self.write(self.get(self.memo[id(obj)][0]))
                return
            if self.proto >= 4:
                self.save(obj.module)
                self.save(obj.name)
                self.write(pickle.STACK_GLOBAL)
            else:
                self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
            self.memoize(obj)
            return
        return super().save(obj, save_persistent_id)


def write_archive(path, root, obj, storages, protocol=2, force_zip64=False, byteorder=b"little", extra=()):
    buf = io.BytesIO()
    TorchPickler(buf, protocol=protocol).dump(obj)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        entries = [("data.pkl", buf.getvalue()), ("byteorder", byteorder)] + list(extra)
        entries += [(f"data/{key}", data) for key, data in storages]
        entries += [("version", b"3\n")]
        for name, data in entries:
            with z.open(entry(f"{root}/{name}"), "w", force_zip64=force_zip64) as f:
                f.write(data)


def torch2_layouts():
    """torch 2.x: uint16 and float8 tensors use _rebuild_tensor_v3 over an UntypedStorage, dtype given."""
    v3 = FakeGlobal("torch._utils", "_rebuild_tensor_v3")
    v2 = FakeGlobal("torch._utils", "_rebuild_tensor_v2")
    untyped = FakeGlobal("torch", "UntypedStorage")
    e4m3_bytes = bytes([0x00, 0x38, 0x40, 0xC4, 0x7E, 0x01])    # 0, 1, 2, -3, 448, 2^-9
    u16 = struct.pack("<4H", 1, 2, 65535, 40000)
    obj = OrderedDict()
    obj["fp8"] = RawTensor((v3, (RawStorage(untyped, "0", len(e4m3_bytes)), 0, (2, 3), (3, 1), False, OrderedDict(),
                                 FakeGlobal("torch", "float8_e4m3fn"))))
    obj["u16"] = RawTensor((v3, (RawStorage(untyped, "1", len(u16)), 1, (3,), (1,), False, OrderedDict(),
                                 FakeGlobal("torch", "uint16"))))
    f32 = struct.pack("<3f", 1.5, -2.0, 0.25)
    obj["f32"] = RawTensor((v2, (RawStorage(FakeGlobal("torch", "FloatStorage"), "2", 3), 0, (3,), (1,), False,
                                 OrderedDict())))
    write_archive(OUT / "torch2_v3.pt", "torch2_v3", obj, [("0", e4m3_bytes), ("1", u16), ("2", f32)], protocol=2,
                  extra=[(".format_version", b"1"), (".storage_alignment", b"64")])
    rows.append(("torch2_v3.pt", "fp8", "F8_E4M3", "2,3", hashlib.sha256(e4m3_bytes).hexdigest()))
    rows.append(("torch2_v3.pt", "u16", "U16", "3", hashlib.sha256(u16[2:]).hexdigest()))
    rows.append(("torch2_v3.pt", "f32", "F32", "3", hashlib.sha256(f32).hexdigest()))
    # The same at protocol 4 in an archive of any name, with zip64 records.
    write_archive(OUT / "zip64_protocol4.pt", "any name-1.x", obj, [("0", e4m3_bytes), ("1", u16), ("2", f32)],
                  protocol=4, force_zip64=True)
    for r in rows[-3:]:
        rows.append(("zip64_protocol4.pt",) + r[1:])


def real_fixture_values():
    """Expected values of the four real pickles, from torch.load."""
    for path in sorted(REAL.glob("*")):
        if path.suffix in (".bin", ".pt", ".pth"):
            expect(path.name, torch.load(path, map_location="cpu"))


def write_expected(directory):
    with open(directory / "expected.tsv", "w") as f:
        f.write("file\ttensor\tdtype\tshape\tsha256_of_contiguous_little_endian_bytes\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    print(f"{len(rows)} tensors in {directory / 'expected.tsv'} (torch {torch.__version__})")
    rows.clear()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    dtypes()
    views()
    shared()
    parameters()
    protocols()
    legacy()
    nested()
    sharded()
    big_endian()
    torch2_layouts()
    write_expected(OUT)
    real_fixture_values()
    write_expected(REAL)


if __name__ == "__main__":
    sys.exit(main())
