#!/usr/bin/env python3
"""Extracts the one-Adam-step references of the CNN goldens for test/optim.test.ts.

Reads ../shared/golden/{genre,digit}_cnn.json (+ .tensors.safetensors and the model weights
{genre,digit}_cnn.safetensors) and writes test/fixtures/golden/{genre,digit}_adam_step.safetensors
with float32 tensors, for every trainable parameter NAME:
  param.NAME     the weights before the step (as stored, float32)
  grad.NAME      train.param_grads.NAME (float64 rounded to float32)
  expected.NAME  train.params_after_one_adam_step_lr_1e-3.NAME (float64 rounded to float32)
and __metadata__ {"lr": "0.001", "tolerances": JSON of each NAME's tolerance entry (without
float32_measured), "source": ...}. Needs only numpy (safetensors is
parsed by hand, in scripts/golden_io.py).

Usage (from the repository root): python3 scripts/extract-golden-adam.py [GOLDEN_DIR]
"""
import json
import os
import sys

import numpy as np

from golden_io import read_safetensors, write_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared', 'golden')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'golden')
KEY = 'params_after_one_adam_step_lr_1e-3'


def main():
    os.makedirs(OUT, exist_ok=True)
    for model in ('genre', 'digit'):
        with open(os.path.join(GOLDEN, f'{model}_cnn.json')) as f:
            desc = json.load(f)
        data = read_safetensors(os.path.join(GOLDEN, f'{model}_cnn.tensors.safetensors'))
        weights = read_safetensors(os.path.join(GOLDEN, f'{model}_cnn.safetensors'))
        train = desc['train']
        tensors = {}
        tolerances = {}
        for name, stub in train[KEY].items():
            grad_stub = train['param_grads'][name]
            assert weights[name].dtype == np.float32, name
            assert list(weights[name].shape) == stub['shape'] == grad_stub['shape'], name
            tensors[f'param.{name}'] = weights[name]
            tensors[f'grad.{name}'] = data[grad_stub['tensor']]
            tensors[f'expected.{name}'] = data[stub['tensor']]
            tol = dict(desc['tolerances'][stub['tensor']])
            tol.pop('float32_measured', None)
            tolerances[name] = tol
        path = os.path.join(OUT, f'{model}_adam_step.safetensors')
        write_safetensors(path, tensors, {
            'lr': '0.001',
            'tolerances': json.dumps(tolerances, separators=(',', ':')),
            'source': f'../shared/golden/{model}_cnn.json train.{KEY} (PyTorch float64 Adam, defaults but lr)',
        }, dtype=np.float32)
        print(f'{path}: {len(tensors) // 3} parameters, {os.path.getsize(path)} bytes')


if __name__ == '__main__':
    main()
