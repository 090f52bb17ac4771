"""Safetensors reading and writing shared by the scripts/extract-golden*.py scripts.

Parsed by hand so that the scripts need only numpy. The fixtures these scripts write are
committed, so the output must stay byte for byte what it was: header keys in the order given
(or sorted), `__metadata__` first when there is one, compact JSON, padded with spaces to a
multiple of 8 bytes (as the safetensors format recommends, so the data is 8-byte aligned).
"""
import json
import struct

import numpy as np

DTYPES = {'F64': np.float64, 'F32': np.float32, 'I64': np.int64, 'I32': np.int32}
NAMES = {np.dtype(v): k for k, v in DTYPES.items()}


def read_safetensors(path):
    """The tensors of a safetensors file as read-only numpy arrays by name (metadata skipped)."""
    with open(path, 'rb') as f:
        b = f.read()
    n = struct.unpack('<Q', b[:8])[0]
    header = json.loads(b[8:8 + n])
    base = 8 + n
    out = {}
    for name, h in header.items():
        if name == '__metadata__':
            continue
        lo, hi = h['data_offsets']
        out[name] = np.frombuffer(b[base + lo:base + hi], dtype=DTYPES[h['dtype']]).reshape(h['shape'])
    return out


def write_safetensors(path, tensors, metadata=None, dtype=None, sort_keys=False):
    """Writes `tensors` (name -> array) little-endian.

    metadata: the `__metadata__` dict (strings only, per the format), or None for none.
    dtype: convert every tensor to this numpy dtype first (e.g. np.float32: float64 references
      rounded to float32); None keeps each tensor's own dtype (one of DTYPES).
    sort_keys: order the tensors by name instead of by insertion.
    """
    header = {} if metadata is None else {'__metadata__': metadata}
    chunks = []
    at = 0
    for name in (sorted(tensors) if sort_keys else tensors):
        a = np.ascontiguousarray(tensors[name], dtype=dtype)
        raw = a.astype(a.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': NAMES[a.dtype], 'shape': list(a.shape), 'data_offsets': [at, at + len(raw)]}
        chunks.append(raw)
        at += len(raw)
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(chunks))
