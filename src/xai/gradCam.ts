/**
 * Grad-CAM and Guided Grad-CAM with Captum's semantics (captum.attr.LayerGradCam, GuidedGradCam).
 *
 * Grad-CAM on a layer with output A [B, C, ...spatial]: the gradient of each example's target
 * logit with respect to A, averaged over the spatial dims, weights the channels; the layer map
 * is Σ_c weight_c · A_c ([B, 1, ...spatial]), optionally through a ReLU, and `map` is that layer
 * map resized to the input's spatial size (LayerAttribution.interpolate: F.interpolate with
 * align_corners = false). One forward and one backward pass for the whole batch.
 *
 * Guided Grad-CAM: guided backpropagation (ReLU gradients clipped at 0) times the Grad-CAM map
 * (with ReLU) upsampled to the input, 'nearest' by default as Captum. Both gradients come from one
 * forward pass: the tape is walked twice, the second time with the guided ReLU rule.
 */
import { fmt, gradientTape, mean, mul, noGrad, relu, reshape, ShapeError, sum, type Tensor, upsample2d, ValueError, withBackwardOverride } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { checkInputs, resolveTargets, targetRows, type Model, type Target } from './common.js';
import { guidedReluRule } from './guided.js';

/** How the layer map is resized to the input: F.interpolate's mode, or false to keep the layer's size. */
export type CamUpsample = 'bilinear' | 'nearest' | false;

export interface GradCamOptions {
  /** Target class: one index for every example, or one per example. */
  target: Target;
  /** Name of the layer (a module name as namedModules() lists it, e.g. 'conv3' or 'features.relu2'). */
  layer: string;
  /** Apply a ReLU to the layer map (default true; Captum's relu_attributions). */
  relu?: boolean;
  /** Resize the layer map to the input's spatial size: 'bilinear' (default), 'nearest' or false. */
  upsample?: CamUpsample;
  /** Bilinear only: align_corners of F.interpolate (default false, as Captum). */
  alignCorners?: boolean;
}

export interface GradCamResult {
  /** Σ_c mean-gradient_c · A_c at the layer's resolution: [B, 1, ...layer spatial dims]. */
  layerMap: Tensor;
  /** The layer map resized to the input's spatial dims ([B, 1, H, W] for [B, C, H, W] inputs); a view of layerMap when upsample is false. */
  map: Tensor;
}

export interface GuidedGradCamOptions {
  /** Target class: one index for every example, or one per example. */
  target: Target;
  /** Name of the layer whose Grad-CAM map scales the guided gradients (usually the last conv). */
  layer: string;
  /** Resizing of the Grad-CAM map to the input: 'nearest' (default, Captum's interpolate_mode) or 'bilinear'. */
  upsample?: 'nearest' | 'bilinear';
  /** Bilinear only: align_corners (default false). */
  alignCorners?: boolean;
}

function checkModule(model: Model, fname: string): Module {
  if (!(model instanceof Module)) {
    throw new ValueError(`${fname}: the model must be an nn Module (a layer is chosen by name), got ${typeof model === 'function' ? 'a function' : typeof model}`);
  }
  return model;
}

function validNames(model: Module): string {
  return model
    .namedModules()
    .map(([n]) => n)
    .filter((n) => n !== '')
    .join(', ');
}

/** Checks options.layer against the model's module names. */
export function checkLayer(model: Module, layer: unknown, fname: string): string {
  if (typeof layer !== 'string' || layer === '') {
    throw new ValueError(`${fname}: options.layer must be the name of one of the model's modules (${validNames(model)}), got ${JSON.stringify(layer)}`);
  }
  if (!model.namedModules().some(([n]) => n === layer)) {
    throw new ValueError(`${fname}: options.layer ${JSON.stringify(layer)} is not a module of the model; valid names: ${validNames(model)}`);
  }
  return layer;
}

function checkUpsample(v: unknown, fname: string, allowFalse: boolean): CamUpsample {
  if (v === 'bilinear' || v === 'nearest' || (allowFalse && v === false)) return v;
  throw new ValueError(`${fname}: options.upsample must be 'bilinear' or 'nearest'${allowFalse ? ' or false' : ''}, got ${JSON.stringify(v)}`);
}

function checkLogits(y: Tensor, x: Tensor, fname: string): void {
  if (y.rank !== 2 || y.shape[0] !== x.shape[0]) {
    throw new ShapeError(`${fname}: the model must return logits [B, nClasses] for inputs of batch ${x.shape[0]}, got ${fmt(y.shape)}`);
  }
}

/** Channel weights (gradient averaged over spatial dims) times the activation, summed over channels. */
function camOf(act: Tensor, g: Tensor, applyRelu: boolean): Tensor {
  const spatial = act.shape.map((_, i) => i).slice(2);
  const w = spatial.length ? mean(g, spatial, true) : g;
  const cam = sum(mul(w, act), 1, true);
  return applyRelu ? relu(cam) : cam;
}

/** Resizes a layer map [B, 1, ...s] to the spatial dims of x (rank 4: [h, w] → [H, W]; rank 3: [t] → [T]). */
function resizeTo(cam: Tensor, x: Tensor, mode: 'bilinear' | 'nearest', alignCorners: boolean, layer: string, fname: string): Tensor {
  if (cam.rank !== x.rank || (cam.rank !== 4 && cam.rank !== 3)) {
    throw new ShapeError(
      `${fname}: cannot upsample the map of layer '${layer}' (${fmt(cam.shape)}) to inputs ${fmt(x.shape)}: the layer's output and the input must both be [B, C, H, W] or both [B, C, T]; pass options.upsample = false for the layer map alone`,
    );
  }
  if (cam.rank === 4) return upsample2d(cam, { size: [x.shape[2], x.shape[3]], mode, alignCorners });
  // 1-D: a height-1 image (bilinear on a height 1 → 1 resize is F.interpolate's 'linear').
  const up = upsample2d(reshape(cam, [cam.shape[0], 1, 1, cam.shape[2]]), { size: [1, x.shape[2]], mode, alignCorners });
  return reshape(up, [cam.shape[0], 1, x.shape[2]]);
}

/** Runs the model with the layer's activation captured; returns logits, activation and targets. */
function forwardLayer(model: Module, x: Tensor, layer: string, target: Target, fname: string): { logits: Tensor; act: Tensor; targets: number[] } {
  const { output, activations } = model.forwardWithActivations(x, [layer]);
  checkLogits(output, x, fname);
  const targets = resolveTargets(target, x.shape[0], output.shape[1], fname);
  const act = activations[layer];
  if (act.rank < 2 || act.shape[0] !== x.shape[0]) {
    throw new ShapeError(`${fname}: layer '${layer}' must output [B, C, ...] for inputs of batch ${x.shape[0]}, got ${fmt(act.shape)}`);
  }
  return { logits: output, act, targets };
}

/**
 * Grad-CAM (Captum's LayerGradCam + LayerAttribution.interpolate) on any named layer of a Module.
 * Returns { layerMap [B, 1, h, w], map [B, 1, H, W] }.
 */
export function gradCam(model: Model, inputs: Tensor, options: GradCamOptions): GradCamResult {
  const fname = 'gradCam';
  if (options === null || typeof options !== 'object') throw new ValueError(`${fname}: options { target, layer } are required`);
  const m = checkModule(model, fname);
  const x = checkInputs(inputs, fname);
  const layer = checkLayer(m, options.layer, fname);
  const applyRelu = options.relu ?? true;
  if (typeof applyRelu !== 'boolean') throw new ValueError(`${fname}: options.relu must be a boolean, got ${JSON.stringify(options.relu)}`);
  const upsample = checkUpsample(options.upsample ?? 'bilinear', fname, true);
  const alignCorners = options.alignCorners ?? false;
  if (typeof alignCorners !== 'boolean') throw new ValueError(`${fname}: options.alignCorners must be a boolean, got ${JSON.stringify(options.alignCorners)}`);
  if (upsample !== false && x.rank !== 4 && x.rank !== 3) {
    throw new ShapeError(`${fname}: upsampling needs inputs [B, C, H, W] or [B, C, T], got ${fmt(x.shape)}; pass options.upsample = false`);
  }
  return gradientTape((tape) => {
    const { logits, act, targets } = forwardLayer(m, x, layer, options.target, fname);
    const selected = sum(mul(logits, targetRows(logits, targets)));
    const [g] = tape.gradient(selected, [act]);
    return noGrad(() => {
      const layerMap = camOf(act, g, applyRelu);
      const map = upsample === false ? reshape(layerMap, layerMap.shape) : resizeTo(layerMap, x, upsample, alignCorners, layer, fname);
      return { layerMap, map };
    });
  });
}

/**
 * Guided Grad-CAM (Captum's GuidedGradCam): guided backprop attributions of the inputs times the
 * Grad-CAM map of `layer` (with ReLU) resized to the input ('nearest' by default). Shaped like x.
 */
export function guidedGradCam(model: Model, inputs: Tensor, options: GuidedGradCamOptions): Tensor {
  const fname = 'guidedGradCam';
  if (options === null || typeof options !== 'object') throw new ValueError(`${fname}: options { target, layer } are required`);
  const m = checkModule(model, fname);
  const x = checkInputs(inputs, fname);
  const layer = checkLayer(m, options.layer, fname);
  const mode = checkUpsample(options.upsample ?? 'nearest', fname, false) as 'nearest' | 'bilinear';
  const alignCorners = options.alignCorners ?? false;
  if (typeof alignCorners !== 'boolean') throw new ValueError(`${fname}: options.alignCorners must be a boolean, got ${JSON.stringify(options.alignCorners)}`);
  if (x.rank !== 4 && x.rank !== 3) throw new ShapeError(`${fname}: inputs must be [B, C, H, W] or [B, C, T], got ${fmt(x.shape)}`);
  return gradientTape((tape) => {
    const { logits, act, targets } = forwardLayer(m, x, layer, options.target, fname);
    const selected = sum(mul(logits, targetRows(logits, targets)));
    const [g] = tape.gradient(selected, [act]);
    // Same forward pass, second walk with the guided ReLU rule: d selected / d x, guided.
    const [guided] = withBackwardOverride({ relu: guidedReluRule }, () => tape.gradient(selected, [x]));
    return noGrad(() => mul(guided, resizeTo(camOf(act, g, true), x, mode, alignCorners, layer, fname)));
  });
}
