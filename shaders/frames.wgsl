// Framing for the audio front end (see src/kernels/frames.ts): overlapping frames of rows and
// their adjoint, overlap-add, written as a gather (each output sums the frames that cover it),
// so no atomics and no second pass are needed.
struct Params {
  // Invocations: output elements.
  n: u32,
  // Samples per input row (frame) / per output row (overlapAdd).
  length: u32,
  frameLength: u32,
  hop: u32,
  nFrames: u32,
  // frame: the rows are read as if padded by `center` samples on both sides, mirrored without the
  // edge sample (reflect = 1) or zeros.
  center: u32,
  reflect: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override WG: u32 = 64;

// Sample t of the padded row b (see Params.center); 0 outside a zero-padded row.
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

// frame3: the same with a 3-D grid (x: chunks of WG samples of a frame, y: frame, z: batch row),
// so no index is divided: each invocation copies one sample.
@compute @workgroup_size(WG)
fn frame3(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = wid.x * WG + lid;
  if (j >= p.frameLength) { return; }
  let f = wid.y;
  let b = wid.z;
  out[(b * p.nFrames + f) * p.frameLength + j] = padded(b, f * p.hop + j);
}

// out [B, nFrames, frameLength]: out[b, f, j] = x[b, f * hop + j] (x [B, length]).
@compute @workgroup_size(WG)
fn frame(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let j = i % p.frameLength;
  let r = i / p.frameLength;
  let f = r % p.nFrames;
  let b = r / p.nFrames;
  out[i] = padded(b, f * p.hop + j);
}

// out [B, length]: out[b, t] = sum of x[b, f, t - f * hop] (x [B, nFrames, frameLength]) over the
// frames f with 0 <= t - f * hop < frameLength, in increasing f (as the CPU reference).
@compute @workgroup_size(WG)
fn overlapAdd(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let t = i % p.length;
  let b = i / p.length;
  let fLo = select(0u, (t - p.frameLength) / p.hop + 1u, t >= p.frameLength);
  // Frames f <= t / hop start at or before t; only nFrames exist.
  let fEnd = min(p.nFrames, t / p.hop + 1u);
  var s = 0.0;
  var src = (b * p.nFrames + fLo) * p.frameLength + t - fLo * p.hop;
  let step = p.frameLength - p.hop;
  for (var f = fLo; f < fEnd; f++) {
    s += x[src];
    // Next frame: one row further on, hop samples earlier in it (frameLength - hop may wrap
    // around u32 when hop > frameLength; the sum is then still exact modulo 2^32).
    src += step;
  }
  out[i] = s;
}
