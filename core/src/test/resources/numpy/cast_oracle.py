"""NumPy as the casting oracle for NumpyCastTest.

Usage: cast_oracle.py SRC DST IN OUT
  SRC, DST  NumPy type strings such as <f4, <f8 or <f2
  IN        raw little-endian values of type SRC
  OUT       written: the same values cast with ndarray.astype(DST), as raw bytes
Only dtype strings and file names come from the command line; nothing is evaluated as code.
"""
import sys
import numpy as np

ALLOWED = {'<f2', '<f4', '<f8'}


def main():
    src, dst, inp, out = sys.argv[1:5]
    if src not in ALLOWED or dst not in ALLOWED:
        raise SystemExit('unsupported dtype')
    values = np.fromfile(inp, dtype=src)
    with np.errstate(all='ignore'):   # overflow to inf is the point, not a warning
        values.astype(dst).tofile(out)


if __name__ == '__main__':
    main()
