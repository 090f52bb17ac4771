// The parameters, bindings and per-sample helpers shared by the two log-mel kernels, through
// `//!include stft_mel_io`: shaders/stft_mel.wgsl (its entry points) and shaders/stft_mel_gen.wgsl
// (the template of the generated straight-line kernel); one op fills both from one Params object.

struct Params {
  // Frames of all waves (B * nFrames), the real FFT length, its complex length, and the bins kept.
  rows: u32,
  n: u32,
  cl: u32,
  bins: u32,
  // Samples per wave, samples between frames, frames per wave.
  length: u32,
  hop: u32,
  nFrames: u32,
  // The waves are read as if padded by `center` samples on both sides, mirrored without the edge
  // sample (reflect = 1) or zeros.
  center: u32,
  reflect: u32,
  nMels: u32,
  // 1: the magnitude |X| instead of the power |X|^2.
  magnitude: u32,
  // 1: decibels (see the header of shaders/stft_mel.wgsl).
  db: u32,
  amin: f32,
  dbScale: f32,
  dbShift: f32,
  // 1: multiply by the window `win` (else `win` is bound to another buffer and not read).
  windowed: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> tw: array<vec2<f32>>;
// Waves [B, length].
@group(0) @binding(2) var<storage, read> x: array<f32>;
// Window [n] (see Params.windowed).
@group(0) @binding(3) var<storage, read> win: array<f32>;
// Filterbank [bins, nMels].
@group(0) @binding(4) var<storage, read> fb: array<f32>;
@group(0) @binding(5) var<storage, read> bands: array<vec2<u32>>;
// [B, nMels, nFrames].
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

// Sample t of the padded wave b (see Params.center); 0 outside a zero-padded wave. Branch-free
// (selects on the uniforms).
fn padded(b: u32, t: u32) -> f32 {
  let L = i32(p.length);
  let s0 = i32(t) - i32(p.center);
  let m = abs(s0);
  let s = select(s0, select(m, 2 * (L - 1) - m, m >= L), p.reflect != 0u);
  let ok = s >= 0 && s < L;
  return select(0.0, x[b * p.length + u32(select(0, s, ok))], ok);
}

// Power or magnitude of a spectrum value.
fn level(v: vec2<f32>) -> f32 {
  let pw = dot(v, v);
  return select(pw, sqrt(pw), p.magnitude != 0u);
}

fn decibels(v: f32) -> f32 {
  if (p.db != 0u) { return p.dbScale * log(max(v, p.amin)) + p.dbShift; }
  return v;
}
