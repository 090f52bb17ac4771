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
import {
  fmt,
  gradientTape,
  mean,
  mul,
  noGrad,
  relu,
  reshape,
  ShapeError,
  sum,
  type Tensor,
  upsample2d,
  withBackwardOverride,
} from '../engine/index.js';
import { LogMel } from '../audio/index.js';
import { guidedReluRule } from './guided.js';
import {
  beginCall,
  checkBoolean,
  checkModule,
  COMMON_SPEC,
  forwardLayer,
  oneOf,
  resolveLayer,
  targetRows,
  type AttributionFunction,
  type CommonOptions,
  type Model,
  type WithAliases,
} from './shared/index.js';
import { precompileChunk } from './shared/precompile.js';

/** How the layer map is resized to the input: F.interpolate's mode, or false to keep the layer's size. */
export type CamUpsample = 'bilinear' | 'nearest' | false;

export interface GradCamBaseOptions extends CommonOptions {
  /** Name of the layer (a module name as namedModules() lists it, e.g. 'conv3' or 'features.relu2'). */
  layer: string;
  /**
   * Apply a ReLU to the layer map (Captum's `relu_attributions`). Default true, where Captum's
   * LayerGradCam defaults to False: Grad-CAM as published (Selvaraju et al. 2017, eq. 2) and as
   * Captum's own GuidedGradCam use it keeps only the evidence for the class, which is what the
   * map is plotted for; pass relu: false for Captum's raw layer attribution.
   */
  relu?: boolean;
  /**
   * Resize the layer map to the input's spatial size: 'bilinear' (default), 'nearest' or false
   * (LayerGradCam itself does not resize; this is LayerAttribution.interpolate, whose
   * `interpolate_mode` is accepted as an alias).
   */
  upsample?: CamUpsample;
  /** Bilinear only: align_corners of F.interpolate (default false, as Captum). */
  alignCorners?: boolean;
}

export const GRADCAM_SPEC = {
  ...COMMON_SPEC,
  layer: [],
  relu: ['reluAttributions', 'relu_attributions'],
  upsample: ['interpolateMode', 'interpolate_mode'],
  alignCorners: ['align_corners'],
} as const;

/** GradCamBaseOptions, also under Captum's spellings (relu_attributions, interpolate_mode). */
export type GradCamOptions = WithAliases<GradCamBaseOptions, typeof GRADCAM_SPEC>;

export interface GradCamResult {
  /** Σ_c mean-gradient_c · A_c at the layer's resolution: [B, 1, ...layer spatial dims]. */
  layerMap: Tensor;
  /**
   * The layer map resized to the input's spatial dims ([B, 1, H, W] for [B, C, H, W] inputs); for a
   * waveform model [B, L] whose front end is an audio.LogMel module, resized to that log-mel's
   * grid [B, 1, nMels, frames] (a wave has no frequency axis to map onto); a view of layerMap when
   * upsample is false.
   */
  map: Tensor;
}

export interface GuidedGradCamBaseOptions extends CommonOptions {
  /** Name of the layer whose Grad-CAM map scales the guided gradients (usually the last conv). */
  layer: string;
  /** Resizing of the Grad-CAM map to the input: 'nearest' (default, Captum's interpolate_mode) or 'bilinear'. */
  upsample?: 'nearest' | 'bilinear';
  /** Bilinear only: align_corners (default false). */
  alignCorners?: boolean;
}

export const GUIDED_GRADCAM_SPEC = {
  ...COMMON_SPEC,
  layer: [],
  upsample: ['interpolateMode', 'interpolate_mode'],
  alignCorners: ['align_corners'],
} as const;

/** GuidedGradCamBaseOptions, also under Captum's spelling interpolate_mode. */
export type GuidedGradCamOptions = WithAliases<GuidedGradCamBaseOptions, typeof GUIDED_GRADCAM_SPEC>;

/**
 * Checks options.layer against the model's module names (see shared/layers.ts resolveLayer).
 * Kept for callers of the earlier API.
 */
export function checkLayer(model: Model, layer: unknown, fname: string): string {
  return resolveLayer(model, layer, fname);
}

/** Channel weights (gradient averaged over spatial dims) times the activation, summed over channels. */
function camOf(act: Tensor, g: Tensor, applyRelu: boolean): Tensor {
  const spatial = act.shape.map((_, i) => i).slice(2);
  const w = spatial.length ? mean(g, spatial, true) : g;
  const cam = sum(mul(w, act), 1, true);
  return applyRelu ? relu(cam) : cam;
}

/** A front end's log-mel as the [B, 1, nMels, frames] grid a 2-D layer map is resized onto. */
function melGrid(spec: Tensor): Tensor {
  return spec.rank === 3 ? reshape(spec, [spec.shape[0], 1, spec.shape[1], spec.shape[2]]) : spec;
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

/**
 * Grad-CAM (Captum's LayerGradCam + LayerAttribution.interpolate) on any named layer of a Module:
 * { layerMap [B, 1, ...layer spatial], map [B, 1, ...input spatial] } (units: logit per channel
 * unit × activation). One forward and one backward pass for the whole batch.
 */
export async function gradCam(model: Model, inputs: Tensor, options: GradCamOptions): Promise<GradCamResult> {
  const fname = 'gradCam';
  const c = await beginCall(model, inputs, options, GRADCAM_SPEC, fname);
  const m = checkModule(c.model, fname);
  const { x, o } = c;
  const layer = resolveLayer(m, o.layer, fname);
  const applyRelu = checkBoolean(o.relu, 'options.relu', fname, true);
  const upsample = oneOf<CamUpsample>(o.upsample, ['bilinear', 'nearest', false], 'options.upsample', fname, 'bilinear');
  const alignCorners = checkBoolean(o.alignCorners, 'options.alignCorners', fname, false);
  // A waveform model (nn.Sequential(LogMel, ..., cnn)): the map goes onto the log-mel's grid.
  const frontEnd = x.rank === 2 && upsample !== false ? m.namedModules().find(([, mod]) => mod instanceof LogMel)?.[0] : undefined;
  if (upsample !== false && x.rank !== 4 && x.rank !== 3 && frontEnd === undefined) {
    throw new ShapeError(
      `${fname}: upsampling needs inputs [B, C, H, W] or [B, C, T], or waveforms [B, L] into a model with an audio.LogMel module, got ${fmt(x.shape)}; pass options.upsample = false`,
    );
  }
  const run = () =>
    gradientTape((tape) => {
      const {
        logits,
        activation: act,
        targets,
        activations,
      } = forwardLayer(m, x, layer, c.target, fname, frontEnd === undefined ? [] : [frontEnd]);
      const selected = sum(mul(logits, targetRows(logits, targets)));
      const [g] = tape.gradient(selected, [act]);
      return noGrad(() => {
        const layerMap = camOf(act, g, applyRelu);
        if (upsample === false) return { layerMap, map: reshape(layerMap, layerMap.shape) };
        // The log-mel [B, 1, nMels, frames] (or [B, nMels, frames] without its channel axis) is the grid.
        const grid = frontEnd === undefined ? x : melGrid(activations[frontEnd]);
        return { layerMap, map: resizeTo(layerMap, grid, upsample, alignCorners, layer, fname) };
      });
    });
  await precompileChunk(x.engine, m, () => {
    const r = run();
    return [r.layerMap, r.map];
  });
  const out = run();
  c.onProgress?.({ done: 1, total: 1, stage: fname });
  return out;
}
gradCam satisfies AttributionFunction<GradCamOptions, GradCamResult>;

/**
 * Guided Grad-CAM (Captum's GuidedGradCam): guided backprop attributions of the inputs times the
 * Grad-CAM map of `layer` (with ReLU) resized to the input ('nearest' by default). Shaped like x.
 */
export async function guidedGradCam(model: Model, inputs: Tensor, options: GuidedGradCamOptions): Promise<Tensor> {
  const fname = 'guidedGradCam';
  const c = await beginCall(model, inputs, options, GUIDED_GRADCAM_SPEC, fname);
  const m = checkModule(c.model, fname);
  const { x, o } = c;
  const layer = resolveLayer(m, o.layer, fname);
  const mode = oneOf(o.upsample, ['nearest', 'bilinear'] as const, 'options.upsample', fname, 'nearest');
  const alignCorners = checkBoolean(o.alignCorners, 'options.alignCorners', fname, false);
  if (x.rank !== 4 && x.rank !== 3) throw new ShapeError(`${fname}: inputs must be [B, C, H, W] or [B, C, T], got ${fmt(x.shape)}`);
  const out = gradientTape((tape) => {
    const { logits, activation: act, targets } = forwardLayer(m, x, layer, c.target, fname);
    const selected = sum(mul(logits, targetRows(logits, targets)));
    const [g] = tape.gradient(selected, [act]);
    // Same forward pass, second walk with the guided ReLU rule: d selected / d x, guided.
    const [guided] = withBackwardOverride({ relu: guidedReluRule }, () => tape.gradient(selected, [x]));
    return noGrad(() => mul(guided, resizeTo(camOf(act, g, true), x, mode, alignCorners, layer, fname)));
  });
  c.onProgress?.({ done: 1, total: 1, stage: fname });
  return out;
}
guidedGradCam satisfies AttributionFunction<GuidedGradCamOptions>;
