/**
 * The (decibel) mel spectrogram of waves in one dispatch (shaders/stft_mel.wgsl): framing with
 * the centre padding read in place, the window, the real FFT (in private or workgroup memory), |X|^2 (or |X|),
 * the projection on the mel filterbank and the decibels, written straight in the [B, nMels,
 * nFrames] layout. Before it, one tiny dispatch finds each mel's band of non-zero bins in the
 * filterbank, so the projection only visits those (about two multiply-adds per bin).
 *
 * On lavapipe this replaced 7 dispatches (frame gather, FFT, mel matmul, transpose copy, three
 * elementwise dB passes) whose intermediates made up most of the time: see bench/suites/frontend.mjs.
 *
 * Four kernels compute the same thing: the generated straight-line kernel (stftMelCodegen.ts,
 * shaders/stft_mel_gen.wgsl: one frame per invocation, the FFT unrolled for one nFft; complex
 * lengths <= 256 with prime factors <= 13) is the fastest on lavapipe, 1.7-2x `lanes2` for
 * 64 x 3 s; `lanes2` (one frame per invocation, runtime-indexed passes; frames of nFft <= 512,
 * see the `lanes2` notes in the shader) takes the other short frames; `main` (one frame per workgroup,
 * the FFT in workgroup memory as the rfft kernels) takes longer frames that fit workgroup
 * memory; frames too long for that take the framing and multi-pass FFT kernels into a power
 * spectrum in global memory, then `melEpilogue` projects it.
 */
import type { StftMelParams } from '../../backend.js';
import type { GpuStorage } from '../bufferPool.js';
import type { GpuContext } from '../context.js';
import { groups, output, type GBuf } from './common.js';
import { fftRadices, rfftPower, sharedConstants, twiddles } from './fft.js';
import { frame } from './frames.js';
import { codegenName, codegenPlan, codegenShader } from './stftMelCodegen.js';

/** Complex FFT length up to which a frame runs in one invocation's private memory (LANE_MAX in the shader). */
const LANE_MAX = 256;

/**
 * Frames per workgroup of the lane kernels: one AVX2 vector of lavapipe (8 float lanes).
 * Measured on lavapipe for 30 s at 16 kHz (nFft 400), interleaved in one process: a lane kernel
 * 1.1-1.7x faster than one workgroup of 8 threads per frame (`main`) over several runs; 16 or
 * 32 frames per workgroup and a padding-free load for interior frames were within the noise.
 * For 64 clips x 3 s (round-robin, CPU time): 4 lanes 1.4x, 16 lanes 1.1-1.2x (their rows no longer
 * fit workgroup memory), `lanes2-private` 1.1x the time of 8 lanes with USE_G.
 */
const LANE_WG = 8;

/**
 * Which kernel runs: one frame per invocation (`codegen`, the default, or `lanes2`), one per
 * workgroup, or the multi-pass fallback. `lanes2-private` is
 * `lanes2` with its rows in private memory, what it falls back to on devices whose workgroup
 * storage cannot hold 8 rows.
 */
export type StftMelPath = 'codegen' | 'lanes2' | 'lanes2-private' | 'rows' | 'passes';
let forced: StftMelPath | null = null;
let forcedPlan: number[] | null = null;

/**
 * Tests and benches only: run `path` wherever it applies (the lane kernels need nFft/2 <= 256, or nFft <= 256 odd;
 * 'codegen' a radix plan (see codegenPlan), or `plan`, the radices of the complex FFT, outermost
 * first, where their product is its length; 'rows' needs the row in workgroup memory), null for
 * the automatic choice.
 */
export function forceStftMelPath(path: StftMelPath | null, plan: number[] | null = null): void {
  forced = path;
  forcedPlan = plan;
}

/**
 * The kernel taken when none is forced, for a complex FFT length `cl` (nFft/2 for even nFft, else
 * nFft) and whether such a row fits workgroup memory: the generated straight-line kernel where
 * codegenPlan has a plan for cl (cl <= 256 whose prime factors are <= 13), else `lanes2` (cl <=
 * 256), `rows`, or the multi-pass path.
 */
export function autoStftMelPath(cl: number, fitsWorkgroup: boolean): StftMelPath {
  if (codegenPlan(cl)) return 'codegen';
  return fitsWorkgroup && cl <= LANE_MAX ? 'lanes2' : fitsWorkgroup ? 'rows' : 'passes';
}

/** x [B, L] → [B, nMels, nFrames] (see Backend.stftMel). */
export function stftMel(ctx: GpuContext, x: GBuf, window: GBuf | null, fb: GBuf, o: StftMelParams): GpuStorage {
  const [batch, length] = x.shape;
  const [bins, nMels] = fb.shape;
  const n = o.nFft;
  const padded = length + 2 * o.center;
  const nFrames = padded < n ? 0 : Math.floor((padded - n) / o.hop) + 1;
  const rows = batch * nFrames;
  const out = output(ctx, rows * nMels);
  if (rows === 0 || nMels === 0) return out;
  const half = n % 2 === 0;
  const cl = half ? n / 2 : n;
  const uniforms = {
    rows,
    n,
    cl,
    bins,
    length,
    hop: o.hop,
    nFrames,
    center: o.center,
    reflect: o.centerMode === 'reflect' ? 1 : 0,
    nMels,
    magnitude: o.magnitude ? 1 : 0,
    db: o.db ? 1 : 0,
    amin: o.db?.amin ?? 0,
    dbScale: o.db?.scale ?? 0,
    dbShift: o.db?.shift ?? 0,
    windowed: window ? 1 : 0,
  };
  const bands = output(ctx, 2 * nMels);
  ctx.dispatch('stft_mel', { entry: 'melBands', uniforms, buffers: { fb: fb.storage, bandsOut: bands }, workgroups: groups(nMels) });
  const shared = sharedConstants(ctx, n);
  // A forced plan only where it factors this length.
  const plan = (forcedPlan && forcedPlan.reduce((a, r) => a * r, 1) === cl ? forcedPlan : null) ?? codegenPlan(cl);
  const applies = (p: StftMelPath) =>
    p === 'passes' || (p === 'codegen' && plan !== null) || (shared !== null && (p === 'rows' || (p !== 'codegen' && cl <= LANE_MAX)));
  const path = forced && applies(forced) ? forced : autoStftMelPath(cl, shared !== null);
  const win = window ? window.storage : x.storage;
  if (path === 'codegen') {
    const spec = { n, bins, plan: plan! };
    const name = codegenName(spec);
    ctx.pipelines.define(name, 'stft_mel_gen', () => codegenShader(spec));
    ctx.dispatch(name, {
      entry: 'lanesGen',
      uniforms,
      buffers: { x: x.storage, win, fb: fb.storage, bands, out },
      workgroups: Math.ceil(rows / LANE_WG),
    });
    ctx.free(bands);
    return out;
  }
  const tw = path === 'passes' ? null : twiddles(ctx, n);
  if (path === 'lanes2' || path === 'lanes2-private') {
    // Two rows of cl complex float32 values per lane.
    const inWorkgroup = path === 'lanes2' && 2 * cl * LANE_WG * 8 <= ctx.device.limits.maxComputeWorkgroupStorageSize;
    ctx.dispatch('stft_mel', {
      entry: 'lanes2',
      constants: { ...shared!, ...laneRadixConstants(cl), WGS: LANE_WG, ...(inWorkgroup ? { USE_G: 1, GLEN: cl * LANE_WG } : {}) },
      uniforms,
      buffers: { tw: tw!, x: x.storage, win, fb: fb.storage, bands, out },
      workgroups: Math.ceil(rows / LANE_WG),
    });
  } else if (path === 'rows') {
    ctx.dispatch('stft_mel', {
      entry: 'main',
      constants: shared!,
      uniforms,
      buffers: { tw: tw!, x: x.storage, win, fb: fb.storage, bands, out },
      workgroups: rows,
    });
  } else {
    const frames = frame(ctx, x, n, o.hop, o.center, o.centerMode);
    const power = rfftPower(ctx, { storage: frames, shape: [rows, n], dtype: 'float32' }, n, bins, window);
    ctx.free(frames);
    ctx.dispatch('stft_mel', {
      entry: 'melEpilogue',
      uniforms,
      buffers: { spectrum: power, fb: fb.storage, bands, out },
      workgroups: groups(rows * nMels),
    });
    ctx.free(power);
  }
  ctx.free(bands);
  return out;
}

/** R0.. / NS1.. / FINAL_A of the `lanes2` passes: radix 8 first, then as fftRadices. */
function laneRadixConstants(cl: number): Record<string, number> {
  const radices: number[] = [];
  let m = cl;
  while (m % 8 === 0) {
    radices.push(8);
    m /= 8;
  }
  radices.push(...fftRadices(m));
  const c: Record<string, number> = { FINAL_A: radices.length % 2 === 0 ? 1 : 0 };
  let ns = 1;
  for (let i = 0; i < 7; i++) {
    c[`R${i}`] = radices[i] ?? 0;
    if (i > 0) c[`NS${i}`] = ns;
    ns *= radices[i] ?? 1;
  }
  return c;
}
