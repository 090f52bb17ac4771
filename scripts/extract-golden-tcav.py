#!/usr/bin/env python3
"""Copies the TCAV references for test/concepts.golden.test.ts.

Reads ../shared/golden/tcav.json (+ tcav.tensors.safetensors) and writes
test/fixtures/golden/tcav.json and test/fixtures/golden/tcav.ref.safetensors. The data is
float64 and small (7 activation sets [40, 32], six CAVs [32], gradients [25, 32]), so it is kept
in float64: the CAV solver is judged against scikit-learn's optimum at 1e-3 relative and the
t-tests at 1e-6, which float32 inputs would blur. Every stub of the JSON is checked against the
tensor it names (dtype and shape) before anything is written, and the JSON keeps its stubs.

Usage (from the repository root): python3 scripts/extract-golden-tcav.py [GOLDEN_DIR]
"""
import json
import os
import sys

import numpy as np

from golden_io import read_safetensors, write_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared', 'golden')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'golden')


def stubs(node):
    """Every tensor stub {"tensor", "shape", "dtype"} in a JSON tree."""
    if isinstance(node, dict):
        if 'tensor' in node and 'shape' in node:
            yield node
        else:
            for v in node.values():
                yield from stubs(v)
    elif isinstance(node, list):
        for v in node:
            yield from stubs(v)


def main():
    with open(os.path.join(GOLDEN, 'tcav.json')) as f:
        desc = json.load(f)
    data = read_safetensors(os.path.join(GOLDEN, 'tcav.tensors.safetensors'))
    tensors = {}
    for stub in stubs(desc):
        arr = data[stub['tensor']]
        assert list(arr.shape) == stub['shape'], stub
        assert arr.dtype == np.dtype(stub['dtype']), stub
        tensors[stub['tensor']] = arr
    os.makedirs(OUT, exist_ok=True)
    write_safetensors(os.path.join(OUT, 'tcav.ref.safetensors'), tensors,
                      metadata={'source': 'shared/golden/tcav.json via scripts/extract-golden-tcav.py'}, sort_keys=True)
    with open(os.path.join(OUT, 'tcav.json'), 'w') as f:
        json.dump(desc, f, indent=1)
        f.write('\n')
    print(f'wrote {len(tensors)} tensors to {OUT}/tcav.ref.safetensors and tcav.json')


if __name__ == '__main__':
    main()
