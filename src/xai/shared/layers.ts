/**
 * Layer selection by name, for the layer methods (Grad-CAM now, TCAV and layer metrics next):
 * a layer is a module name as `namedModules()` lists it ('conv3', 'features.relu2'). Errors list
 * the nearest names, and a module passed instead of its name gets a short error giving the name
 * (never a serialisation of the module).
 */
import { fmt, gradientTape, mul, ShapeError, sum, type Tensor, ValueError } from '../../engine/index.js';
import { Module } from '../../nn/index.js';
import { checkModel, resolveTargets, targetRows, type Model, type Target } from './contract.js';
import { describeValue, nearestName } from './options.js';

/** Most names an error lists (models can have hundreds of modules). */
const MAX_LISTED = 12;

function listNames(names: readonly string[], near?: string): string {
  const ordered = near ? [near, ...names.filter((n) => n !== near)] : [...names];
  const shown = ordered.slice(0, MAX_LISTED).join(', ');
  return ordered.length > MAX_LISTED ? `${shown}, … (${ordered.length} in all)` : shown;
}

/** The model as a Module (layer methods need names), or a ValueError. */
export function checkModule(model: unknown, fname: string): Module {
  const m = checkModel(model, fname);
  if (!(m instanceof Module)) throw new ValueError(`${fname}: the model must be an nn Module (a layer is chosen by name), got a function`);
  return m;
}

/**
 * Checks a layer name against the model's modules and returns it. A Module given instead of a
 * name gets its name in the error when it belongs to the model.
 */
export function resolveLayer(model: Model, name: unknown, fname: string, arg = 'options.layer'): string {
  const m = checkModule(model, fname);
  const all = m.namedModules().filter(([n]) => n !== '');
  const names = all.map(([n]) => n);
  if (name instanceof Module) {
    const found = all.find(([, mod]) => mod === name);
    throw new ValueError(
      `${fname}: ${arg} must be a layer name (a string), got ${describeValue(name)} module${found ? `; its name in this model is '${found[0]}'` : ' that is not part of the model'}`,
    );
  }
  if (typeof name !== 'string' || name === '')
    throw new ValueError(
      `${fname}: ${arg} must be the name of one of the model's modules (${listNames(names)}), got ${describeValue(name)}`,
    );
  if (!names.includes(name)) {
    // 'conv3' in a waveform model Sequential(logmel, norm, cnn) is 'cnn.conv3': a unique dotted
    // name ending in the given one is the likeliest meaning, before any spelling distance.
    const nested = names.filter((n) => n.endsWith(`.${name}`));
    const near = nested.length === 1 ? nested[0] : nearestName(name, names);
    throw new ValueError(
      `${fname}: ${arg} '${name}' is not a module of the model${near ? ` — did you mean '${near}'?` : ''}; valid names: ${listNames(names, near)}`,
    );
  }
  return name;
}

/**
 * One forward pass with the named layers' outputs captured: { output (the model's output),
 * activations (name → the tensor the pass used) }. Names are checked with resolveLayer.
 */
export function layerActivations(
  model: Model,
  x: Tensor,
  names: readonly string[],
  fname = 'layerActivations',
): { output: Tensor; activations: Record<string, Tensor> } {
  const m = checkModule(model, fname);
  for (const n of names) resolveLayer(m, n, fname);
  return m.forwardWithActivations(x, names);
}

/**
 * The gradient of each example's target logit with respect to a layer's output, in one forward
 * and one backward pass: { activation [B, ...layer], grad (same shape), logits [B, C], targets }.
 * `target` must be host values (a number or an array; a tensor read by readTargets).
 */
export function layerGradient(
  model: Model,
  x: Tensor,
  layerName: string,
  target: Target,
  fname = 'layerGradient',
): { activation: Tensor; grad: Tensor; logits: Tensor; targets: number[] } {
  const m = checkModule(model, fname);
  const layer = resolveLayer(m, layerName, fname);
  return gradientTape((tape) => {
    const { logits, activation, targets } = forwardLayer(m, x, layer, target, fname);
    const [grad] = tape.gradient(sum(mul(logits, targetRows(logits, targets))), [activation]);
    return { activation, grad, logits, targets };
  });
}

/**
 * The forward half of layerGradient, for callers that walk the tape themselves (Guided Grad-CAM
 * walks it twice): runs the model with the layer captured and checks logits [B, C] and the
 * layer's output [B, ...]. Call inside a gradientTape to differentiate.
 */
export function forwardLayer(
  model: Module,
  x: Tensor,
  layer: string,
  target: Target,
  fname: string,
  also: readonly string[] = [],
): { logits: Tensor; activation: Tensor; targets: number[]; activations: Record<string, Tensor> } {
  const { output, activations } = model.forwardWithActivations(x, [layer, ...also]);
  if (output.rank !== 2 || output.shape[0] !== x.shape[0]) {
    throw new ShapeError(
      `${fname}: the model must return logits [B, nClasses] for inputs of batch ${x.shape[0]}, got ${fmt(output.shape)}`,
    );
  }
  const targets = resolveTargets(target, x.shape[0], output.shape[1], fname);
  const activation = activations[layer];
  if (activation.rank < 2 || activation.shape[0] !== x.shape[0]) {
    throw new ShapeError(
      `${fname}: layer '${layer}' must output [B, C, ...] for inputs of batch ${x.shape[0]}, got ${fmt(activation.shape)}`,
    );
  }
  return { logits: output, activation, targets, activations };
}
