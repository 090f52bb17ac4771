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
// `lanes2` is the same computation with one frame per invocation (each lane runs a whole FFT, for
// rows of at most LANE_MAX complex values): on a CPU Vulkan driver (lavapipe runs a workgroup as
// SIMD lanes) every lane then follows the same indices, so twiddles and filterbank weights are
// uniform loads and no lane idles in a short butterfly loop or mel band.
//
// `melEpilogue` is the same projection for a power spectrum already in global memory (rows too
// long for workgroup memory: the caller frames and transforms them with the multi-pass FFT).

// Params, bindings 0-6 and the per-sample helpers (padded, level, decibels): shared with the
// generated kernel's template through shaders/lib/stft_mel_io.wgsl.
//!include stft_mel_io
// `bands` entry point: the bands of fb.
@group(0) @binding(7) var<storage, read_write> bandsOut: array<vec2<u32>>;
// `melEpilogue`: the power spectrum [rows, bins].
@group(0) @binding(8) var<storage, read> spectrum: array<f32>;

//!include fft_rows

override WG: u32 = 64;
// n even: the row is transformed as n/2 packed values (see shaders/fft.wgsl).
override HALF: bool = true;

fn windowAt(j: u32) -> f32 {
  if (p.windowed != 0u) { return win[j]; }
  return 1.0;
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

// ==== one frame per invocation ===============================================================

const LANE_MAX = 256u;
var<private> la: array<vec2<f32>, LANE_MAX>;
var<private> lb: array<vec2<f32>, LANE_MAX>;

// USE_G: the lane rows live in workgroup memory instead, lane `laneId` at i * WGS + laneId (GLEN =
// LEN * WGS). lavapipe gathers private and workgroup values alike, but the workgroup layout keeps
// a lane's neighbours in the same cache lines (measured ~10 % faster for nFft 400).
override USE_G: bool = false;
override GLEN: u32 = 1;
var<workgroup> ga: array<vec2<f32>, GLEN>;
var<workgroup> gb: array<vec2<f32>, GLEN>;
var<private> laneId: u32;
fn lload(fromA: bool, i: u32) -> vec2<f32> {
  if (USE_G) { if (fromA) { return ga[i * WGS + laneId]; } return gb[i * WGS + laneId]; }
  if (fromA) { return la[i]; }
  return lb[i];
}
fn lstore(toA: bool, i: u32, v: vec2<f32>) {
  if (USE_G) { if (toA) { ga[i * WGS + laneId] = v; } else { gb[i * WGS + laneId] = v; } return; }
  if (toA) { la[i] = v; } else { lb[i] = v; }
}

// ==== one frame per invocation, fewer private-memory round trips =============================
//
// `lanes2` replaced a first lane kernel (`lanes`: frame copied into private memory, radix <= 5,
// bins unpacked one by one) with the private-memory traffic cut (on lavapipe every access to a
// lane's private array is a gather or scatter over the SIMD lanes, which dominates the kernel):
// - the first pass reads the windowed wave straight from `x` (no copy of the frame first);
// - radix-8 passes first (the caller's radices: 8 x 5 x 5 for nFft 400, 8 x 8 x 4 for 512);
// - bins k, L - k, L + k and 2L - k come from the same two FFT values Z[k], Z[L - k];
// - the levels go to a scalar array, read once per band entry without unpacking;
// - the two rows live in workgroup memory when 8 of them fit (USE_G, see lload).
// Measured against `lanes` round-robin in one process on lavapipe (nFft 400): 0.71-0.75x its CPU
// time. Tried and not kept (no gain): a radix-25 pass (8 x 25 for nFft 400: slower, 1.1x) and
// the levels packed into the free FFT row in workgroup memory (1.0x), reading the wave without the
// padding logic when a whole workgroup's frames are interior (a uniform branch: 1.2x, slower),
// the levels in workgroup memory, lane-interleaved like USE_G (0.99x), and four mels per pass over
// the union of their bands so each level is read once per group (1.1-1.2x, slower). For 64 x 3 s
// the mel projection is ~15 % of the kernel (dropping it: 0.82-0.86x), nearly all of it the `lv`
// reads (constant weights instead of `fb`: 0.94-1.06x, noise); `melBands` is ~0 % of the call.
// `node bench/diag/stft-mel-codegen.mjs 15 lanes2-private lanes2` times kernels round-robin.
//
// Superseded as the default by the straight-line kernel generated per nFft (shaders/stft_mel_gen.wgsl,
// src/engine/webgpu/kernels/stftMelCodegen.ts) wherever its radix plan applies (complex length
// <= 256, prime factors <= 13): the same computation with every FFT index a constant, so no
// gathers in the FFT. 64 x 3 s, nFft 400, round-robin in one process (CPU time, load 6-16):
// 0.48-0.67x lanes2's time; 30 s: 0.47-0.58x (bench/diag/stft-mel-codegen.mjs). lanes2 remains
// the kernel of the short frames the generator declines.

var<private> lv: array<f32, 2u * LANE_MAX>;

// Complex input t of the lane's frame (row b, first sample `start`): two real samples packed
// when HALF, else one.
fn laneInput(b: u32, start: u32, t: u32) -> vec2<f32> {
  if (HALF) {
    let j = 2u * t;
    return vec2<f32>(padded(b, start + j) * windowAt(j), padded(b, start + j + 1u) * windowAt(j + 1u));
  }
  return vec2<f32>(padded(b, start + t) * windowAt(t), 0.0);
}

// Input i of a pass times its twiddle: from the wave for the first pass (twiddles all 1), else
// from the private array.
fn laneIn(first: bool, fromA: bool, b: u32, start: u32, i: u32, t: u32, s: f32) -> vec2<f32> {
  if (first) { return laneInput(b, start, i); }
  return cmul(lload(fromA, i), twiddle(t, s));
}

// One Stockham pass of the lane's row (`stage` of shaders/lib/fft_rows.wgsl) with radix 8 and the
// first pass reading the wave.
fn laneStage2(r: u32, ns: u32, fromA: bool, s: f32, b: u32, start: u32) {
  let first = ns == 1u;
  let m = LEN / r;
  let step = (m / ns) * TWSTEP;
  let toA = !fromA;
  let mEnd = p.cl / r;
  for (var j = 0u; j < mEnd; j++) {
    let k = j % ns;
    let ts = k * step;
    let o = (j - k) * r + k;
    if (r == 2u) {
      let v0 = laneIn(first, fromA, b, start, j, 0u, s);
      let v1 = laneIn(first, fromA, b, start, j + m, ts, s);
      lstore(toA, o, v0 + v1);
      lstore(toA, o + ns, v0 - v1);
    } else if (r == 3u) {
      let y = dft3(laneIn(first, fromA, b, start, j, 0u, s), laneIn(first, fromA, b, start, j + m, ts, s),
        laneIn(first, fromA, b, start, j + 2u * m, 2u * ts, s), s);
      for (var q = 0u; q < 3u; q++) { lstore(toA, o + q * ns, y[q]); }
    } else if (r == 4u) {
      let y = dft4(laneIn(first, fromA, b, start, j, 0u, s), laneIn(first, fromA, b, start, j + m, ts, s),
        laneIn(first, fromA, b, start, j + 2u * m, 2u * ts, s), laneIn(first, fromA, b, start, j + 3u * m, 3u * ts, s), s);
      for (var q = 0u; q < 4u; q++) { lstore(toA, o + q * ns, y[q]); }
    } else if (r == 5u) {
      let y = dft5(laneIn(first, fromA, b, start, j, 0u, s), laneIn(first, fromA, b, start, j + m, ts, s),
        laneIn(first, fromA, b, start, j + 2u * m, 2u * ts, s), laneIn(first, fromA, b, start, j + 3u * m, 3u * ts, s),
        laneIn(first, fromA, b, start, j + 4u * m, 4u * ts, s), s);
      for (var q = 0u; q < 5u; q++) { lstore(toA, o + q * ns, y[q]); }
    } else if (r == 8u) {
      let y = dft8(laneIn(first, fromA, b, start, j, 0u, s), laneIn(first, fromA, b, start, j + m, ts, s),
        laneIn(first, fromA, b, start, j + 2u * m, 2u * ts, s), laneIn(first, fromA, b, start, j + 3u * m, 3u * ts, s),
        laneIn(first, fromA, b, start, j + 4u * m, 4u * ts, s), laneIn(first, fromA, b, start, j + 5u * m, 5u * ts, s),
        laneIn(first, fromA, b, start, j + 6u * m, 6u * ts, s), laneIn(first, fromA, b, start, j + 7u * m, 7u * ts, s), s);
      for (var q = 0u; q < 8u; q++) { lstore(toA, o + q * ns, y[q]); }
    } else {
      let unit = m * TWSTEP;
      let rEnd = min(r, p.cl);
      for (var q = 0u; q < rEnd; q++) {
        var acc = vec2<f32>(0.0);
        for (var rr = 0u; rr < rEnd; rr++) {
          acc += cmul(laneIn(first, fromA, b, start, j + rr * m, rr * ts, s), twiddle(((rr * q) % r) * unit, s));
        }
        lstore(toA, o + q * ns, acc);
      }
    }
  }
}

fn laneLevel(k: u32, v: vec2<f32>) {
  if (k < p.bins) { lv[k] = level(v); }
}

@compute @workgroup_size(WGS)
fn lanes2(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lane: u32) {
  let first = (wid.x + wid.y * nwg.x) * WGS;
  laneId = lane;
  let live = first + lane < p.rows;
  let row = min(first + lane, p.rows - 1u);
  let b = row / p.nFrames;
  let f = row - b * p.nFrames;
  let start = f * p.hop;
  // A one-point transform has no pass: its value is its input.
  if (R0 == 0u) { lstore(true, 0u, laneInput(b, start, 0u)); }
  if (R0 > 0u) { laneStage2(R0, 1u, true, -1.0, b, start); }
  if (R1 > 0u) { laneStage2(R1, NS1, false, -1.0, b, start); }
  if (R2 > 0u) { laneStage2(R2, NS2, true, -1.0, b, start); }
  if (R3 > 0u) { laneStage2(R3, NS3, false, -1.0, b, start); }
  if (R4 > 0u) { laneStage2(R4, NS4, true, -1.0, b, start); }
  if (R5 > 0u) { laneStage2(R5, NS5, false, -1.0, b, start); }
  if (R6 > 0u) { laneStage2(R6, NS6, true, -1.0, b, start); }
  if (HALF) {
    // With a = Z[k], c = conj Z[L - k], e = (a + c) / 2, d = (a - c) / 2 and w = e^(-2 pi i k / n):
    // X[k] = e - i d w, X[L + k] = e + i d w, X[L - k] = conj e + i conj(d) w', X[2L - k] =
    // conj e - i conj(d) w', w' = e^(-2 pi i (L - k) / n) (see `bin`).
    let half = p.cl / 2u;
    for (var k = 0u; k <= half; k++) {
      let a = lload(FINAL_A, k);
      let c = conj(lload(FINAL_A, (p.cl - k) % p.cl));
      let e = 0.5 * (a + c);
      let d = 0.5 * (a - c);
      let dw = cmul(vec2<f32>(d.y, -d.x), twiddle(k, -1.0));
      laneLevel(k, e + dw);
      laneLevel(p.cl + k, e - dw);
      let dw2 = cmul(vec2<f32>(d.y, d.x), twiddle(p.cl - k, -1.0));
      laneLevel(p.cl - k, conj(e) + dw2);
      laneLevel(2u * p.cl - k, conj(e) - dw2);
    }
  } else {
    for (var k = 0u; k < p.bins; k++) { lv[k] = level(lload(FINAL_A, k)); }
  }
  for (var m = 0u; m < p.nMels; m++) {
    let band = bands[m];
    var s = 0.0;
    for (var k = band.x; k < band.y; k++) { s += lv[k] * fb[k * p.nMels + m]; }
    if (live) { out[(b * p.nMels + m) * p.nFrames + f] = decibels(s); }
  }
}
