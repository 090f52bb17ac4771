/**
 * Compiling a method's GPU kernels before its first chunk without holding the JavaScript thread.
 * Node's Dawn on lavapipe compiles each compute pipeline on the calling thread on first use
 * (0.1–20 s each on a loaded 2-core machine: the worst thread holds measured, far above a chunk's
 * host time); engine.precompile traces one chunk's ops (kernels not run) and compiles what they
 * need with createComputePipelineAsync, yielding between shaders. In browsers pipelines compile in
 * the GPU process anyway, and the trace spreads shader-module creation over event-loop turns.
 */
import { type Engine, tidy } from '../../engine/index.js';
import { Module } from '../../nn/index.js';
import type { Model } from './contract.js';

/**
 * Whether a model can be traced without side effects: an nn Module with every submodule in eval
 * mode. A module in training mode updates BatchNorm running statistics and draws dropout masks in
 * a forward pass (a trace would store garbage statistics and shift random streams), and a function
 * model may do anything, so neither is traced (it then compiles on first use, as before).
 */
export function traceable(model: Model): model is Module {
  return model instanceof Module && model.namedModules().every(([, m]) => !m.training);
}

/**
 * Runs `chunk` (one chunk's synchronous ops, e.g. the perturbed rows' forward pass) in the
 * engine's tracing mode and waits until the kernels it needs are compiled; every tensor it
 * creates is disposed. Skipped for models that cannot be traced (see traceable). An error in the
 * trace is left to the real run to report (it runs the same ops on the same shapes).
 */
export async function precompileChunk(engine: Engine, model: Model, chunk: () => unknown): Promise<void> {
  if (engine.info().backend !== 'webgpu' || !traceable(model)) return;
  try {
    await engine.precompile(() => {
      tidy(() => {
        chunk();
      });
    });
  } catch {
    // The real run reports it.
  }
}
