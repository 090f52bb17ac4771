// The mel spectrogram of waves in one pass (see src/engine/webgpu/kernels/stftMel.ts): each
// workgroup takes one frame straight from the wave (centre padding read in place, the window
// applied on load), runs the real FFT in workgroup memory (shaders/lib/fft_rows.wgsl), keeps the
// power (or magnitude) spectrum in workgroup memory, projects it on the mel filterbank and writes
// the (optionally decibel) mel values in the [B, nMels, nFrames] layout. No framed copy, no
// spectrum in global memory, no transpose.
//
//   out[b, m, f] = db(sum_k S[b, f, k] fb[k, m]),  S = |X|^2 (or |X| when magnitude),
//   X[k] = sum_j w[j] xpad[b, f hop + j] e^(-2 pi i j k / n),
//   db(v) = dbScale * ln(max(v, amin)) + dbShift when p.db != 0, else v.
//
// The filterbank is sparse (a triangle per mel): `bands[m]` = [lo, hi) holds the bins where column
// m of fb is non-zero (written by the `bands` entry point from fb itself), so the projection costs
// about two multiply-adds per bin instead of nMels.
//
// `melEpilogue` is the same projection for a power spectrum already in global memory (rows too
// long for workgroup memory: the caller frames and transforms them with the multi-pass FFT).

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
  // 1: decibels (see the header).
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
// `bands` entry point: the bands of fb.
@group(0) @binding(7) var<storage, read_write> bandsOut: array<vec2<u32>>;
// `melEpilogue`: the power spectrum [rows, bins].
@group(0) @binding(8) var<storage, read> spectrum: array<f32>;

//!include fft_rows

override WG: u32 = 64;
// n even: the row is transformed as n/2 packed values (see shaders/fft.wgsl).
override HALF: bool = true;

// Sample t of the padded wave b (see Params.center); 0 outside a zero-padded wave.
fn padded(b: u32, t: u32) -> f32 {
  let L = i32(p.length);
  var s = i32(t) - i32(p.center);
  if (p.reflect != 0u) {
    s = abs(s);
    s = select(s, 2 * (L - 1) - s, s >= L);
  }
  let ok = s >= 0 && s < L;
  return select(0.0, x[b * p.length + u32(select(0, s, ok))], ok);
}

fn windowAt(j: u32) -> f32 {
  if (p.windowed != 0u) { return win[j]; }
  return 1.0;
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

// Spectrum bin k of the frame in workgroup memory (see rowsForward in shaders/fft.wgsl).
fn bin(k: u32) -> vec2<f32> {
  if (HALF) {
    // E[k] = (Z[k] + conj Z[-k]) / 2, O[k] = -i (Z[k] - conj Z[-k]) / 2, X[k] = E + e^(-2 pi i k / n) O.
    let kk = k % LEN;
    let a = wload(FINAL_A, kk);
    let b = conj(wload(FINAL_A, (LEN - kk) % LEN));
    let d = 0.5 * (a - b);
    return 0.5 * (a + b) + cmul(vec2<f32>(d.y, -d.x), twiddle(k, -1.0));
  }
  return wload(FINAL_A, k);
}

// Level of bin k, stored two per value in the work array the FFT did not end in.
fn levelAt(k: u32) -> f32 {
  let v = wload(!FINAL_A, k >> 1u);
  return select(v.x, v.y, (k & 1u) == 1u);
}

// One frame per workgroup: out[b, :, f] for row = b * nFrames + f.
@compute @workgroup_size(WGS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let b = row / p.nFrames;
  let f = row - b * p.nFrames;
  let start = f * p.hop;
  for (var t = lid; t < p.cl; t += WGS) {
    if (HALF) {
      let j = 2u * t;
      wa[t] = vec2<f32>(padded(b, start + j) * windowAt(j), padded(b, start + j + 1u) * windowAt(j + 1u));
    } else {
      wa[t] = vec2<f32>(padded(b, start + t) * windowAt(t), 0.0);
    }
  }
  allStages(-1.0, lid);
  // Levels of bins 2i and 2i + 1 into the free array (bins <= 2 LEN for even n, <= LEN for odd n).
  let pairs = (p.bins + 1u) / 2u;
  for (var i = lid; i < pairs; i += WGS) {
    let k = 2u * i;
    let hi = select(0.0, level(bin(k + 1u)), k + 1u < p.bins);
    wstore(!FINAL_A, i, vec2<f32>(level(bin(k)), hi));
  }
  workgroupBarrier();
  for (var m = lid; m < p.nMels; m += WGS) {
    let band = bands[m];
    var s = 0.0;
    for (var k = band.x; k < band.y; k++) { s += levelAt(k) * fb[k * p.nMels + m]; }
    out[(b * p.nMels + m) * p.nFrames + f] = decibels(s);
  }
}

// bandsOut[m] = [first, last + 1) of the non-zero entries of column m of fb ([0, 0) when none).
@compute @workgroup_size(WG)
fn melBands(@builtin(global_invocation_id) gid: vec3u) {
  let m = gid.x;
  if (m >= p.nMels) { return; }
  var lo = p.bins;
  var hi = 0u;
  for (var k = 0u; k < p.bins; k++) {
    if (fb[k * p.nMels + m] != 0.0) {
      lo = min(lo, k);
      hi = k + 1u;
    }
  }
  bandsOut[m] = vec2<u32>(select(0u, lo, hi > 0u), hi);
}

// The projection of a spectrum in global memory: out[b, m, f] from spectrum [rows, bins].
@compute @workgroup_size(WG)
fn melEpilogue(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.rows * p.nMels) { return; }
  let row = i / p.nMels;
  let m = i - row * p.nMels;
  let b = row / p.nFrames;
  let f = row - b * p.nFrames;
  let band = bands[m];
  var s = 0.0;
  for (var k = band.x; k < band.y; k++) {
    let pw = spectrum[row * p.bins + k];
    s += select(pw, sqrt(pw), p.magnitude != 0u) * fb[k * p.nMels + m];
  }
  out[(b * p.nMels + m) * p.nFrames + f] = decibels(s);
}
