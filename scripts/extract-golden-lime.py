#!/usr/bin/env python3
"""Copies the LimeBase reference (../shared/golden/lime.json + lime.tensors.safetensors) into
test/fixtures/golden/lime.json with the tensors inlined as nested lists (float64, repr precision),
so test/xai.lime.golden.test.ts runs without ../shared.

Content: data [300, 12] binary rows (row 0 the unperturbed instance), labels [300, 2], distances
[300] (cosine distance to row 0), and results keyed "kw{width}_{selection}_{numFeatures}" with
intercept, local_exp [[feature, weight], ...], score and local_pred of
lime.lime_base.LimeBase.explain_instance_with_data (label 1, kernel sqrt(exp(-d^2/width^2))).

Usage (from the repository root): python3 scripts/extract-golden-lime.py [GOLDEN_DIR]
"""
import json
import os
import sys

from golden_io import read_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared', 'golden')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'golden', 'lime.json')


def main():
    with open(os.path.join(GOLDEN, 'lime.json')) as f:
        ref = json.load(f)
    tensors = read_safetensors(os.path.join(GOLDEN, 'lime.tensors.safetensors'))
    out = {'about': ref['about'], 'source': 'shared/golden/lime.json'}
    for key in ('data', 'labels', 'distances'):
        out[key] = tensors[ref[key]['tensor']].astype(float).tolist()
    out['results'] = ref['results']
    with open(OUT, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()
