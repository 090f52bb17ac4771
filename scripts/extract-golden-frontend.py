#!/usr/bin/env python3
"""Extracts the audio front-end golden for test/audio.frontend.test.ts.

Reads ../shared/golden/frontend.json (+ frontend.tensors.safetensors) and writes
test/fixtures/golden/frontend.safetensors: every tensor of the reference (wave, stft_re/im,
power, mel_fbanks_htk, mel_fbanks_librosa_slaney/htk, mel, log_mel_db, log_mel_db_top80,
grad_wave_of_weighted_db_sum, istft), float64 rounded to float32, and __metadata__
{"params": JSON of the STFT/mel parameters, "tolerances": JSON of each tensor's tolerance entry
(without float32_measured), "db_weights": how the gradient's weights are made, "about", "source"}.
Needs only numpy (safetensors is parsed by hand, in scripts/golden_io.py).

Usage (from the repository root): python3 scripts/extract-golden-frontend.py [GOLDEN_DIR]
"""
import json
import os
import sys

import numpy as np

from golden_io import read_safetensors, write_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared', 'golden')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'golden')


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(GOLDEN, 'frontend.json')) as f:
        desc = json.load(f)
    data = read_safetensors(os.path.join(GOLDEN, 'frontend.tensors.safetensors'))
    tensors = {}
    tolerances = {}
    for key, stub in desc.items():
        if not (isinstance(stub, dict) and 'tensor' in stub):
            continue
        arr = data[stub['tensor']]
        assert list(arr.shape) == stub['shape'], key
        tensors[key] = arr
        if key in desc['tolerances']:
            tol = dict(desc['tolerances'][key])
            tol.pop('float32_measured', None)
            tolerances[key] = tol
    path = os.path.join(OUT, 'frontend.safetensors')
    write_safetensors(path, tensors, {
        'params': json.dumps(desc['params'], separators=(',', ':')),
        'tolerances': json.dumps(tolerances, separators=(',', ':')),
        'db_weights': desc.get('db_weights', ''),
        'about': desc.get('about', ''),
        'source': '../shared/golden/frontend.json (float64 reference, rounded to float32 here)',
    }, dtype=np.float32)
    print(f'{path}: {len(tensors)} tensors, {os.path.getsize(path)} bytes')


if __name__ == '__main__':
    main()
