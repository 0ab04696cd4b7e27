"""NumPy as the slicing oracle for SliceNumpyTest.

Reads one case per line on stdin:  DTYPE|SHAPE|HEXBYTES|INDEX
  DTYPE  a NumPy type string such as <f4 or u1
  SHAPE  dimensions joined by ',' (empty for a scalar)
  INDEX  entries joined by ';': 'i:N' an integer, 's:START:STOP:STEP' a slice (parts may be 'N' for None),
         'e' an ellipsis; empty for no index
Writes one line per case:  OK|SHAPE|HEXBYTES  or  ERR|ExceptionName
The index is built from that structure; nothing read is ever evaluated as code.
"""
import sys
import numpy as np


def part(v):
    return None if v == 'N' else int(v)


def build(spec):
    out = []
    for e in spec.split(';') if spec else []:
        if e == 'e':
            out.append(Ellipsis)
        elif e.startswith('i:'):
            out.append(int(e[2:]))
        else:
            _, a, b, c = e.split(':')
            out.append(slice(part(a), part(b), part(c)))
    return tuple(out)


for line in sys.stdin:
    dtype, shape, data, spec = line.rstrip('\n').split('|')
    dims = tuple(int(d) for d in shape.split(',')) if shape else ()
    a = np.frombuffer(bytes.fromhex(data), dtype=np.dtype(dtype)).reshape(dims)
    try:
        r = np.array(a[build(spec)], copy=True, order='C')  # keeps 0-d results 0-d
        print('OK|' + ','.join(str(d) for d in r.shape) + '|' + r.tobytes().hex())
    except Exception as ex:  # IndexError, ValueError: reported, compared by the test
        print('ERR|' + type(ex).__name__)
