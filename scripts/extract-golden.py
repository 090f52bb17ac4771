#!/usr/bin/env python3
"""Extracts the golden references the model tests use into test/fixtures/golden/.

Reads ../shared/golden (or the directory given as the first argument) and writes:
  - genre_cnn.safetensors, digit_cnn.safetensors: the model weights, copied unchanged;
  - genre_cnn.ref.safetensors, digit_cnn.ref.safetensors: the input (float32, as stored) and the
    references the tests check (logits, every activation, the input gradient of the target logits,
    the train-step parameter gradients and BatchNorm running statistics), float64 rounded to float32
    (relative rounding <= 6e-8, far below the 1e-5 / 1e-4 tolerances); the Adam-step entries are
    left out (the optimiser tests check them);
  - models.json: per model the targets, labels, train-step dropout, the cross-entropy value and
    {measure, tolerance} of every checked entry (the entry's `primary` measure, as README explains);
  - genre_attributions.ref.safetensors, digit_attributions.ref.safetensors: every entry of the
    Captum attribution files (saliency, input x gradient, every IG variant and its convergence
    delta, guided backprop, Grad-CAM, guided Grad-CAM, occlusion), float64 rounded to float32; the
    attributions are of the `input` of the model's ref file (the same float32 input);
  - attributions.json: per model the targets, the `about` line and {measure, tolerance} of every
    entry (its `primary` measure), plus `max_abs_over_sum_abs_attr` (IG deltas: max|got - ref| over
    the largest per-example sum |attribution| of the matching IG entry) and `note` where given.

Needs only numpy (safetensors is parsed by hand, in scripts/golden_io.py). Run from the repository
root: python3 scripts/extract-golden.py [GOLDEN_DIR]
"""
import json
import os
import shutil
import sys

import numpy as np

from golden_io import read_safetensors, write_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared', 'golden')
DST = os.path.join(ROOT, 'test', 'fixtures', 'golden')


def stubs(node, out):
    """Collects the tensor stubs {"tensor": KEY, ...} of a golden JSON tree."""
    if isinstance(node, dict):
        if 'tensor' in node and 'shape' in node:
            out.append(node['tensor'])
        else:
            for v in node.values():
                stubs(v, out)
    return out


def write_refs(path, data, keys):
    """Writes the tensors `keys` of `data`, float64 rounded to float32 (others as stored), sorted."""
    refs = {}
    for k in keys:
        a = data[k]
        refs[k] = a.astype(np.float32) if a.dtype == np.float64 else a
    write_safetensors(path, refs, sort_keys=True)


def main():
    os.makedirs(DST, exist_ok=True)
    meta = {}
    for model in ('genre_cnn', 'digit_cnn'):
        with open(os.path.join(SRC, model + '.json')) as f:
            g = json.load(f)
        shutil.copyfile(os.path.join(SRC, model + '.safetensors'), os.path.join(DST, model + '.safetensors'))
        data = read_safetensors(os.path.join(SRC, model + '.tensors.safetensors'))
        keys = [k for k in stubs({k: v for k, v in g.items() if k != 'tolerances'}, []) if 'adam_step' not in k]
        write_refs(os.path.join(DST, model + '.ref.safetensors'), data, keys)
        tol = {}
        for k in [k for k in keys if k != 'input'] + ['train.cross_entropy']:
            t = g['tolerances'][k]
            tol[k] = {'measure': t['primary'], 'tolerance': t[t['primary']]}
        meta[model] = {
            'source': model + '.json',
            'target': g['target'],
            'labels': g['train']['labels'],
            'dropout': g['train']['dropout'],
            'cross_entropy': g['train']['cross_entropy'],
            'activations': list(g['activations'].keys()),
            'tolerances': tol,
        }
    with open(os.path.join(DST, 'models.json'), 'w') as f:
        json.dump(meta, f, indent=1)
        f.write('\n')
    attributions()


def attributions():
    """Extracts every entry of {genre,digit}_attributions.json (see the module docstring)."""
    meta = {}
    for model, name in (('genre_cnn', 'genre_attributions'), ('digit_cnn', 'digit_attributions')):
        with open(os.path.join(SRC, name + '.json')) as f:
            g = json.load(f)
        data = read_safetensors(os.path.join(SRC, name + '.tensors.safetensors'))
        keys = stubs(g['attributions'], [])
        write_refs(os.path.join(DST, name + '.ref.safetensors'), data, keys)
        tol = {}
        for k in keys:
            t = g['tolerances'][k]
            e = {'measure': t['primary'], 'tolerance': t[t['primary']]}
            if 'max_abs_over_sum_abs_attr' in t:
                e['max_abs_over_sum_abs_attr'] = t['max_abs_over_sum_abs_attr']
            if 'note' in t:
                e['note'] = t['note']
            tol[k] = e
        meta[model] = {
            'source': name + '.json',
            'inputs': model + '.ref.safetensors#input',
            'about': g['about'],
            'target': g['target'],
            'tolerances': tol,
        }
    with open(os.path.join(DST, 'attributions.json'), 'w') as f:
        json.dump(meta, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
