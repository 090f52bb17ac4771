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
// Bindings and Params: shaders/lib/stft_mel_io.wgsl, shared with shaders/stft_mel.wgsl.

//!include stft_mel_io
// The butterflies (dft3, dft4, dft5, dft8 with s = -1 for the forward transform) and cmul; its
// `twiddle` reads the table `tw` (binding 1), which lanesGen never calls, so never binds.
//!include fft_math

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

// Windowed sample j of the frame starting at `start` of wave b (`win` is bound to another buffer
// when not windowed: its value is then read, clamped by robust access, and not used).
fn sample(b: u32, start: u32, j: u32) -> f32 {
  return padded(b, start + j) * select(1.0, win[j], p.windowed != 0u);
}

// -i a
fn mulNegI(a: vec2<f32>) -> vec2<f32> { return vec2<f32>(a.y, -a.x); }

// ---- radix 2 (fft_math has the others) ---------------------------------------------------

fn dft2(v0: vec2<f32>, v1: vec2<f32>) -> array<vec2<f32>, 2> {
  return array<vec2<f32>, 2>(v0 + v1, v0 - v1);
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
