// Template of the straight-line stftMel kernel (src/engine/webgpu/kernels/stftMelCodegen.ts):
// the same computation as `lanes2` in shaders/stft_mel.wgsl (one frame per invocation, 8 frames
// per workgroup = one SIMD vector of lavapipe), but the FFT, the real-FFT post-processing and the
// levels are generated for one (nFft, bins, radix plan) at pipeline creation: every butterfly
// unrolled, every index a constant, the twiddles float literals. On lavapipe each runtime-indexed
// access to a lane's private (or lane-interleaved workgroup) array is a gather or scatter over the
// SIMD lanes, which dominated `lanes2`; with constant indices the values live in SSA registers
// (or stack slots read with plain vector loads).
//
// The generator replaces the lines between `//!generated` and `//!end generated` (a placeholder
// that keeps this template valid WGSL, so that it is bundled and reflected at build time like
// every shader: the generated kernels share its bind-group layout) and the value of BINS.
//
// Measured on lavapipe, 64 clips x 3 s at nFft 400, round-robin in one process (CPU time; the
// machine shared, load 6-16; bench/diag/stft-mel-codegen.mjs): 0.48-0.67x the time of `lanes2`
// (1.5-2x faster), 30 s: 0.47-0.58x; plans 8x5x5, 5x5x8, 4x2x5x5 and 5x8x5 within the noise of
// each other. `node bench/run.mjs frontend` (load ~1-3): this kernel 45 ms by GPU timestamps for
// 64 x 3 s (lanes2's profile: ~73 ms), 5.8 ms for 30 s. Pipeline compile 1.2-2.6 s (lanes2: 1.6-4.4 s on the same runs). With the frame load
// unrolled too (400 wave reads at constant offsets) the compile took 63 s: lavapipe turns each
// per-lane read of the wave into a loop over the lanes, and LLVM's coroutine-frame and register
// passes grow faster than linearly in those blocks (nFft 128: 0.7 s with the loop, 6 s without).
// Tried and not kept: reading the wave 4 samples at a time (vec4) when a whole workgroup's frames
// are interior and aligned (0.97x, noise), and the levels four to a vec4 so the mel loop reads one
// per 4 bins (1.12x, slower). Without any wave reads (a synthetic frame) the kernel takes ~0.8x:
// the gathers of the frame load and of the levels in the mel loop are most of what remains.
//
// Bindings and Params as in shaders/stft_mel.wgsl (the op fills both from one object; the
// twiddle table, binding 1, is not needed here).

struct Params {
  rows: u32,
  n: u32,
  cl: u32,
  bins: u32,
  length: u32,
  hop: u32,
  nFrames: u32,
  center: u32,
  reflect: u32,
  nMels: u32,
  magnitude: u32,
  db: u32,
  amin: f32,
  dbScale: f32,
  dbShift: f32,
  windowed: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
// Waves [B, length].
@group(0) @binding(2) var<storage, read> x: array<f32>;
// Window [n] (see Params.windowed).
@group(0) @binding(3) var<storage, read> win: array<f32>;
// Filterbank [bins, nMels].
@group(0) @binding(4) var<storage, read> fb: array<f32>;
// [lo, hi) of the non-zero bins of each mel (the `melBands` entry point of stft_mel.wgsl).
@group(0) @binding(5) var<storage, read> bands: array<vec2<u32>>;
// [B, nMels, nFrames].
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

// Frames per workgroup (one SIMD vector of lavapipe).
const WGS = 8u;
// Spectrum bins kept (fb's rows), replaced by the generator.
const BINS = 1u;
const CL = 1u;
// The lane's levels of bins 0..BINS-1 (written with constant indices, read by the mel loop).
var<private> lv: array<f32, BINS>;
// The lane's frame as complex values (two real samples each for even n), CL = n/2 or n
// (declared by the generator).
var<private> fr: array<vec2<f32>, CL>;

// Sample t of the padded wave b (see Params.center in stft_mel.wgsl); 0 outside a zero-padded
// wave. Branch-free (selects on the uniforms): it is inlined once per sample of the frame.
fn padded(b: u32, t: u32) -> f32 {
  let L = i32(p.length);
  let s0 = i32(t) - i32(p.center);
  let m = abs(s0);
  let s = select(s0, select(m, 2 * (L - 1) - m, m >= L), p.reflect != 0u);
  let ok = s >= 0 && s < L;
  return select(0.0, x[b * p.length + u32(select(0, s, ok))], ok);
}

// Windowed sample j of the frame starting at `start` of wave b (`win` is bound to another buffer
// when not windowed: its value is then read, clamped by robust access, and not used).
fn sample(b: u32, start: u32, j: u32) -> f32 {
  return padded(b, start + j) * select(1.0, win[j], p.windowed != 0u);
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

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}
// -i a
fn mulNegI(a: vec2<f32>) -> vec2<f32> { return vec2<f32>(a.y, -a.x); }

// ---- forward radix DFTs: y[q] = sum_r v[r] e^(-2 pi i r q / R) ----------------------------

const C3 = 0.8660254037844386;   // sin(2 pi / 3)
const C5A = 0.30901699437494745; // cos(2 pi / 5)
const C5B = -0.8090169943749475; // cos(4 pi / 5)
const S5A = 0.9510565162951535;  // sin(2 pi / 5)
const S5B = 0.5877852522924731;  // sin(4 pi / 5)
const C8 = 0.7071067811865476;   // cos(pi / 4)

fn dft2(v0: vec2<f32>, v1: vec2<f32>) -> array<vec2<f32>, 2> {
  return array<vec2<f32>, 2>(v0 + v1, v0 - v1);
}

fn dft3(v0: vec2<f32>, v1: vec2<f32>, v2: vec2<f32>) -> array<vec2<f32>, 3> {
  let t = v1 + v2;
  let d = mulNegI(v1 - v2) * C3;
  let a = v0 - 0.5 * t;
  return array<vec2<f32>, 3>(v0 + t, a + d, a - d);
}

fn dft4(v0: vec2<f32>, v1: vec2<f32>, v2: vec2<f32>, v3: vec2<f32>) -> array<vec2<f32>, 4> {
  let a0 = v0 + v2;
  let a1 = v0 - v2;
  let b0 = v1 + v3;
  let b1 = mulNegI(v1 - v3);
  return array<vec2<f32>, 4>(a0 + b0, a1 + b1, a0 - b0, a1 - b1);
}

fn dft5(v0: vec2<f32>, v1: vec2<f32>, v2: vec2<f32>, v3: vec2<f32>, v4: vec2<f32>) -> array<vec2<f32>, 5> {
  let t1 = v1 + v4;
  let t2 = v2 + v3;
  let d1 = v1 - v4;
  let d2 = v2 - v3;
  let a1 = v0 + C5A * t1 + C5B * t2;
  let a2 = v0 + C5B * t1 + C5A * t2;
  let b1 = mulNegI(S5A * d1 + S5B * d2);
  let b2 = mulNegI(S5B * d1 - S5A * d2);
  return array<vec2<f32>, 5>(v0 + t1 + t2, a1 + b1, a2 + b2, a2 - b2, a1 - b1);
}

// Radix 8 as two radix-4 DFTs (even and odd inputs) and one more butterfly level.
fn dft8(v0: vec2<f32>, v1: vec2<f32>, v2: vec2<f32>, v3: vec2<f32>, v4: vec2<f32>, v5: vec2<f32>, v6: vec2<f32>, v7: vec2<f32>) -> array<vec2<f32>, 8> {
  let e = dft4(v0, v2, v4, v6);
  let o = dft4(v1, v3, v5, v7);
  let o1 = cmul(o[1], vec2<f32>(C8, -C8));
  let o2 = mulNegI(o[2]);
  let o3 = cmul(o[3], vec2<f32>(-C8, -C8));
  return array<vec2<f32>, 8>(e[0] + o[0], e[1] + o1, e[2] + o2, e[3] + o3, e[0] - o[0], e[1] - o1, e[2] - o2, e[3] - o3);
}

// laneLevels(b, start): lv[k] = level of bin k of the windowed frame at `start` of wave b, for
// every k < BINS. The placeholder below (a plain DFT) only keeps the template valid; the
// generator replaces it by the straight-line FFT of one (nFft, bins, plan).
//!generated
fn laneLevels(b: u32, start: u32) {
  for (var k = 0u; k < BINS; k++) {
    var acc = vec2<f32>(0.0);
    for (var j = 0u; j < p.n; j++) {
      let a = -6.283185307179586 * f32((j * k) % p.n) / f32(p.n);
      acc += sample(b, start, j) * vec2<f32>(cos(a), sin(a));
    }
    lv[k] = level(acc);
  }
}
//!end generated

@compute @workgroup_size(WGS)
fn lanesGen(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lane: u32) {
  let first = (wid.x + wid.y * nwg.x) * WGS;
  let live = first + lane < p.rows;
  let row = min(first + lane, p.rows - 1u);
  let b = row / p.nFrames;
  let f = row - b * p.nFrames;
  laneLevels(b, f * p.hop);
  for (var m = 0u; m < p.nMels; m++) {
    let band = bands[m];
    var s = 0.0;
    for (var k = band.x; k < min(band.y, BINS); k++) { s += lv[k] * fb[k * p.nMels + m]; }
    if (live) { out[(b * p.nMels + m) * p.nFrames + f] = decibels(s); }
  }
}
