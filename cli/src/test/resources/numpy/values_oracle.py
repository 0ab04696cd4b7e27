"""NumPy's answers for the value commands' tests: reads safetensors files itself (header JSON, raw bytes)
and prints JSON on stdout.

  values_oracle.py stats FILE                       per tensor: count, min, max, mean, std, zeros, nan, pos_inf, neg_inf
  values_oracle.py histogram FILE BINS              per tensor: np.histogram of the finite values over [min, max]
  values_oracle.py diff A B ATOL RTOL               per tensor in both: max_abs, max_rel, outside, first_outside
"""
import json
import math
import struct
import sys

import numpy as np

TYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I8": "i1", "U8": "u1", "I16": "<i2", "U16": "<u2",
         "I32": "<i4", "U32": "<u4", "I64": "<i8", "U64": "<u8", "BOOL": "b1", "C64": "<c8"}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = data[8 + n + begin:8 + n + end]
        dtype = info["dtype"]
        if dtype == "BF16":
            # NumPy has no bfloat16: its 16 bits are the high half of a float32.
            values = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
        elif dtype == "C64":
            values = np.frombuffer(raw, "<c8").view("<f4")
        else:
            values = np.frombuffer(raw, TYPES[dtype])
        out[name] = values.astype(np.float64)
    return out


def num(v):
    v = float(v)
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def exact_mean(x):
    s = math.fsum(x.tolist())
    return s / x.size if math.isfinite(s) else np.mean(x)


def exact_std(x):
    # The deviations from the rounded mean, summed exactly: their sum corrects for the mean's rounding.
    m = exact_mean(x)
    with np.errstate(all="ignore"):
        d = x - m
    s1 = math.fsum(d.tolist())
    s2 = math.fsum((d * d).tolist())
    return math.sqrt(max(0.0, s2 - s1 * s1 / x.size) / x.size)


def stats(path):
    result = {}
    for name, x in read(path).items():
        fin = x[np.isfinite(x)]
        any_finite = fin.size > 0
        result[name] = {
            "count": int(x.size),
            "min": num(fin.min()) if any_finite else None,
            "max": num(fin.max()) if any_finite else None,
            "mean": num(np.mean(fin)) if any_finite else None,
            "std": num(np.std(fin)) if any_finite else None,
            # Nearly exact: correctly rounded sums (math.fsum) of the values and of their deviations from the mean.
            "exact_mean": num(exact_mean(fin)) if any_finite else None,
            "exact_std": num(exact_std(fin)) if any_finite else None,
            "zeros": int(np.count_nonzero(x == 0)),
            "nan": int(np.count_nonzero(np.isnan(x))),
            "pos_inf": int(np.count_nonzero(x == np.inf)),
            "neg_inf": int(np.count_nonzero(x == -np.inf)),
        }
    return result


def histogram(path, bins):
    result = {}
    for name, x in read(path).items():
        fin = x[np.isfinite(x)]
        if fin.size == 0:
            continue
        counts, edges = np.histogram(fin, bins=bins, range=(fin.min(), fin.max()))
        result[name] = {"counts": [int(c) for c in counts], "low": float(edges[0]), "high": float(edges[-1])}
    return result


def diff(path_a, path_b, atol, rtol):
    a_all, b_all = read(path_a), read(path_b)
    result = {}
    with np.errstate(all="ignore"):
        for name in a_all:
            if name not in b_all or a_all[name].size != b_all[name].size:
                continue
            a, b = a_all[name], b_all[name]
            same = (a == b) | (np.isnan(a) & np.isnan(b))
            d = np.where(same, 0.0, np.abs(a - b))          # NaN where exactly one is NaN
            ab = np.abs(b)
            r = np.where(d == 0, 0.0, np.where((ab == 0) | np.isinf(ab), np.inf, d / ab))
            r = np.where(np.isnan(d), np.nan, r)
            outside = ~np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
            first = int(np.argmax(outside)) if outside.any() else -1
            result[name] = {
                "max_abs": num(d.max()) if d.size else 0.0,
                "max_rel": num(r.max()) if r.size else 0.0,
                "outside": int(np.count_nonzero(outside)),
                "first": first,
                "first_a": num(a[first]) if first >= 0 else None,
                "first_b": num(b[first]) if first >= 0 else None,
            }
    return result


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "stats":
        out = stats(sys.argv[2])
    elif mode == "histogram":
        out = histogram(sys.argv[2], int(sys.argv[3]))
    elif mode == "diff":
        out = diff(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
    else:
        raise SystemExit("unknown mode " + mode)
    json.dump(out, sys.stdout)
