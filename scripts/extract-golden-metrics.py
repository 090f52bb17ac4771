#!/usr/bin/env python3
"""Extracts the Quantus metric references for test/metrics.golden.test.ts.

Reads ../shared/golden/metrics.json (+ metrics.tensors.safetensors) and writes
test/fixtures/golden/metrics.json (the JSON unchanged: scores, params, tensor references) and
test/fixtures/golden/metrics.safetensors with the tensors the tests replay:
  input, a_batch                        float32 as stored
  <metric>.recorded_choice / _randint   int64 -> int32 (indices < 2^31)
  monotonicity_correlation.recorded_uniform  float64 as stored
  avg/max_sensitivity.recorded_uniform  float64 -> float32 (noise added to float32 inputs: Quantus
                                        casts x + noise to float32 anyway; halves the fixture)
  pixel_flipping.scores.<i>             float64 as stored
  ssim_example.a / .b                   float32 as stored
The digit CNN's weights are test/fixtures/golden/digit_cnn.safetensors (scripts/extract-golden.py);
this script checks they are the same file as the golden's.

Usage (from the repository root): python3 scripts/extract-golden-metrics.py [GOLDEN_DIR]
"""
import hashlib
import json
import os
import shutil
import sys

import numpy as np

from golden_io import read_safetensors, write_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ../shared/golden beside a main checkout, ../../shared/golden beside a worktree of /work/wt.
GOLDEN = sys.argv[1] if len(sys.argv) > 1 else next(
    (d for d in (os.path.join(ROOT, '..', 'shared', 'golden'), os.path.join(ROOT, '..', '..', 'shared', 'golden')) if os.path.isdir(d)),
    os.path.join(ROOT, '..', 'shared', 'golden'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'golden')


def md5(path):
    with open(path, 'rb') as f:
        return hashlib.md5(f.read()).hexdigest()


def main():
    weights = os.path.join(OUT, 'digit_cnn.safetensors')
    if md5(weights) != md5(os.path.join(GOLDEN, 'digit_cnn.safetensors')):
        sys.exit('test/fixtures/golden/digit_cnn.safetensors differs from the golden: run scripts/extract-golden.py first')
    src = read_safetensors(os.path.join(GOLDEN, 'metrics.tensors.safetensors'))
    out = {}
    for name, a in src.items():
        short = name[len('metrics.'):] if name.startswith('metrics.') else name
        if a.dtype == np.int64:
            assert a.min() >= 0 and a.max() < 2**31
            out[short] = a.astype(np.int32)
        elif short.endswith('sensitivity.recorded_uniform'):
            out[short] = a.astype(np.float32)
        else:
            out[short] = a
    write_safetensors(os.path.join(OUT, 'metrics.safetensors'), out,
                      metadata={'source': 'metrics.tensors.safetensors of the golden (see scripts/extract-golden-metrics.py)'},
                      sort_keys=True)
    shutil.copyfile(os.path.join(GOLDEN, 'metrics.json'), os.path.join(OUT, 'metrics.json'))
    for k, a in sorted(out.items()):
        print(f'{k:55s} {a.dtype} {list(a.shape)}')


if __name__ == '__main__':
    main()
