// Reductions of the middle axis of x viewed as [outer, r, inner] (see src/kernels/reduce.ts).
//
// One pass maps x [outer, r, inner] to partials [outer, splits, inner]: invocation g owns
// (o, s, j) = unravel(g) and reduces the elements t = s, s + splits, s + 2*splits, ... < r of
// column (o, j), so the result index of invocation g is g itself. With splits = 1 a pass is the
// whole reduction; with splits > 1 the wrapper runs another pass over the partials (the `*2`
// entry points for argmax/argmin carry (value, index) pairs). Interleaving t over the splits makes
// neighbouring invocations read neighbouring addresses when inner = 1. The float kernels further
// pack four elements per loop iteration (MODE, below), which changes the units of r and inner.
//
// Semantics match the CPU reference (src/engine/cpu/reduce.ts): max/min propagate NaN; argmax/argmin
// give the first index of the extreme value, a NaN counting as the extreme (the first NaN wins);
// an empty reduction gives `init` (0, -inf, +inf) and index 0. NaN is detected from the bits, never
// with `v != v`, which a compiler may fold away under fast-math rules.

struct Params {
  outer: u32,
  r: u32,
  inner: u32,
  splits: u32,
  // Identity of the op for an empty slice: 0 (sum), -inf (max), +inf (min). A uniform, because
  // WGSL const-expressions cannot hold infinities.
  init: f32,
  // Same for int32 input: 0, INT_MIN, INT_MAX.
  initI: i32,
  // Always 0 (see sum).
  zero: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
// Indices of the partials (second and later passes of argmax/argmin).
@group(0) @binding(3) var<storage, read> xIdx: array<i32>;
@group(0) @binding(4) var<storage, read_write> outIdx: array<i32>;
// int32 input and output.
@group(0) @binding(5) var<storage, read> xi: array<i32>;
@group(0) @binding(6) var<storage, read_write> outI: array<i32>;

override WG: u32 = 64;
// 0: max/argmax, 1: min/argmin (ignored by the sums).
override IS_MIN: bool = false;

//!include nan

// `v` is strictly more extreme than `b` (neither NaN).
fn beats(v: f32, b: f32) -> bool {
  if (IS_MIN) { return v < b; }
  return v > b;
}

fn beatsI(v: i32, b: i32) -> bool {
  if (IS_MIN) { return v < b; }
  return v > b;
}

// Candidate (v, i) replaces the running best (b, bi): NaN beats numbers, then the more extreme
// value, ties (and NaN vs NaN) go to the lower index. bi < 0 means "nothing yet".
fn better(v: f32, i: i32, b: f32, bi: i32) -> bool {
  if (i < 0) { return false; }
  if (bi < 0) { return true; }
  let vn = isNan(v);
  if (isNan(b)) { return vn && i < bi; }
  if (vn) { return true; }
  return beats(v, b) || (v == b && i < bi);
}

fn betterI(v: i32, i: i32, b: i32, bi: i32) -> bool {
  if (bi < 0) { return true; }
  return beatsI(v, b) || (v == b && i < bi);
}

// The slice an invocation reduces: `first` is the address of its first element, `step` the
// distance between its elements, `t0` the reduction index of its first element.
struct Slice { valid: bool, g: u32, first: u32, step: u32, t0: u32 }

fn slice(wid: vec3u, nwg: vec3u, lid: u32) -> Slice {
  let g = (wid.x + wid.y * nwg.x) * WG + lid;
  var sl: Slice;
  sl.g = g;
  sl.valid = g < p.outer * p.splits * p.inner;
  let j = g % p.inner;
  let q = g / p.inner;
  let s = q % p.splits;
  let o = q / p.splits;
  sl.t0 = s;
  sl.first = (o * p.r + s) * p.inner + j;
  sl.step = p.splits * p.inner;
  return sl;
}

// ---- float32 input -------------------------------------------------------------------------
// The three entry points below share one loop shape. Each invocation keeps four independent
// accumulators (a vec4): lavapipe runs a loop iteration per SIMD batch of invocations with a
// fixed overhead, so handling four elements per iteration (one 16-byte load where the layout
// allows) is about twice as fast as one. MODE picks how the four lanes map to the data; the
// wrapper picks the mode from the shape and passes r and inner in the mode's units:
//   MODE_SCALAR (0): lane c takes every fourth element of the invocation's slice (4 scalar loads
//                    per iteration); the lanes are combined at the end.
//   MODE_ALONG_R (1): inner = 1 and r % 4 = 0: the loop walks r in vec4s (r passed as r / 4);
//                    lane c holds reduction index 4t + c; the lanes are combined at the end.
//   MODE_ALONG_INNER (2): inner % 4 = 0: the loop walks r, each vec4 holds four neighbouring
//                    output columns (inner passed as inner / 4); invocation g writes outputs 4g..4g+3.
const MODE_SCALAR = 0u;
const MODE_ALONG_R = 1u;
const MODE_ALONG_INNER = 2u;
override MODE: u32 = 0u;

@group(0) @binding(7) var<storage, read> x4: array<vec4f>;

fn load1(a: u32) -> f32 {
  return x4[a / 4u][a % 4u];
}

fn isNan4(v: vec4f) -> vec4<bool> {
  return (bitcast<vec4u>(v) & vec4u(0x7fffffffu)) > vec4u(0x7f800000u);
}

fn isFinite4(v: vec4f) -> vec4<bool> {
  return (bitcast<vec4u>(v) & vec4u(0x7f800000u)) != vec4u(0x7f800000u);
}

fn beats4(v: vec4f, b: vec4f) -> vec4<bool> {
  if (IS_MIN) { return v < b; }
  return v > b;
}

// The four elements of one loop iteration (lanes past the end of the slice are masked out).
struct Quad { v: vec4f, t: vec4i, m: vec4<bool> }

// Iteration q of an invocation's loop: element addresses a, a + step, ... for MODE_SCALAR,
// address a (in vec4s) for the vector modes; t = reduction index of the first element.
fn quad(a: u32, step: u32, t: u32, splits: u32, r: u32) -> Quad {
  var e: Quad;
  if (MODE == MODE_SCALAR) {
    e.m = vec4u(t) + vec4u(0u, 1u, 2u, 3u) * splits < vec4u(r);
    e.v = vec4f(load1(a), 0.0, 0.0, 0.0);
    if (e.m.w) {
      e.v = vec4f(e.v.x, load1(a + step), load1(a + 2u * step), load1(a + 3u * step));
    } else {
      if (e.m.y) { e.v.y = load1(a + step); }
      if (e.m.z) { e.v.z = load1(a + 2u * step); }
    }
    e.t = vec4i(vec4u(t) + vec4u(0u, 1u, 2u, 3u) * splits);
  } else {
    e.m = vec4<bool>(true);
    e.v = x4[a];
    if (MODE == MODE_ALONG_R) { e.t = vec4i(i32(4u * t)) + vec4i(0, 1, 2, 3); } else { e.t = vec4i(i32(t)); }
  }
  return e;
}

// Loop bounds of an invocation: the slice starts at `first` (in load units), advances by
// `step` per element (or per 4 elements x splits in MODE_SCALAR).
fn loopStep(sl: Slice) -> u32 {
  if (MODE == MODE_SCALAR) { return 4u * sl.step; }
  return sl.step;
}
fn tStep() -> u32 {
  if (MODE == MODE_SCALAR) { return 4u * p.splits; }
  return p.splits;
}

// Kahan-compensated sum (error independent of r). Laundering the new sum through its bits
// (p.zero is always 0) hides s == acc + y from the driver's compiler, which would otherwise
// simplify (s - acc) - y to 0: Mesa does under its default fast-math rules.
@compute @workgroup_size(WG)
fn sum(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let sl = slice(wid, nwg, lid);
  if (!sl.valid) { return; }
  var acc = vec4f(0.0);
  var c = vec4f(0.0);
  var a = sl.first;
  let da = loopStep(sl);
  let dt = tStep();
  for (var t = sl.t0; t < p.r; t += dt) {
    let e = quad(a, sl.step, t, p.splits, p.r);
    let y = e.v - c;
    let s = bitcast<vec4f>(bitcast<vec4u>(acc + y) ^ vec4u(p.zero));
    // Once the sum is infinite the compensation would be inf - inf = NaN and poison it: drop it.
    c = select((s - acc) - y, vec4f(0.0), !isFinite4(s));
    acc = s;
    a += da;
  }
  let total = acc - c;
  if (MODE == MODE_ALONG_INNER) {
    let o = 4u * sl.g;
    out[o] = total.x; out[o + 1u] = total.y; out[o + 2u] = total.z; out[o + 3u] = total.w;
  } else {
    out[sl.g] = (total.x + total.y) + (total.z + total.w);
  }
}

// NaN-sticky extreme of two values: a NaN wins, then the more extreme one.
fn pick(b: f32, v: f32) -> f32 {
  if (isNan(b)) { return b; }
  if (isNan(v) || beats(v, b)) { return v; }
  return b;
}

@compute @workgroup_size(WG)
fn extreme(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let sl = slice(wid, nwg, lid);
  if (!sl.valid) { return; }
  var best = vec4f(p.init);
  var a = sl.first;
  let da = loopStep(sl);
  let dt = tStep();
  for (var t = sl.t0; t < p.r; t += dt) {
    let e = quad(a, sl.step, t, p.splits, p.r);
    // Once a lane is NaN no comparison is true and only another NaN rewrites it: NaN sticks.
    best = select(best, e.v, e.m & (beats4(e.v, best) | isNan4(e.v)));
    a += da;
  }
  if (MODE == MODE_ALONG_INNER) {
    let o = 4u * sl.g;
    out[o] = best.x; out[o + 1u] = best.y; out[o + 2u] = best.z; out[o + 3u] = best.w;
  } else {
    out[sl.g] = pick(pick(pick(best.x, best.y), best.z), best.w);
  }
}

// First pass of argmax/argmin: reads values, the index is the position t along r. Each lane
// sees its indices in increasing order, so a strict comparison keeps the first of equal values;
// combining lanes breaks ties by index.
@compute @workgroup_size(WG)
fn arg(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let sl = slice(wid, nwg, lid);
  if (!sl.valid) { return; }
  var best = vec4f(p.init);
  var bi = vec4i(-1);
  var a = sl.first;
  let da = loopStep(sl);
  let dt = tStep();
  for (var t = sl.t0; t < p.r; t += dt) {
    let e = quad(a, sl.step, t, p.splits, p.r);
    let take = e.m & ((bi < vec4i(0)) | (!isNan4(best) & (isNan4(e.v) | beats4(e.v, best))));
    best = select(best, e.v, take);
    bi = select(bi, e.t, take);
    a += da;
  }
  if (MODE == MODE_ALONG_INNER) {
    let o = 4u * sl.g;
    out[o] = best.x; out[o + 1u] = best.y; out[o + 2u] = best.z; out[o + 3u] = best.w;
    let ii = max(bi, vec4i(0));
    outIdx[o] = ii.x; outIdx[o + 1u] = ii.y; outIdx[o + 2u] = ii.z; outIdx[o + 3u] = ii.w;
  } else {
    var v = best.x;
    var i = bi.x;
    for (var c = 1u; c < 4u; c++) {
      if (better(best[c], bi[c], v, i)) { v = best[c]; i = bi[c]; }
    }
    out[sl.g] = v;
    outIdx[sl.g] = max(i, 0);
  }
}

// Later passes of argmax/argmin: reads (value, index) partials, one at a time.
@compute @workgroup_size(WG)
fn arg2(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let sl = slice(wid, nwg, lid);
  if (!sl.valid) { return; }
  var best = p.init;
  var bi = -1;
  var a = sl.first;
  for (var t = sl.t0; t < p.r; t += p.splits) {
    let v = x[a];
    let i = xIdx[a];
    if (better(v, i, best, bi)) { best = v; bi = i; }
    a += sl.step;
  }
  out[sl.g] = best;
  outIdx[sl.g] = max(bi, 0);
}

// int32 input: the sum wraps on overflow (the CPU reference saturates the exact sum).
@compute @workgroup_size(WG)
fn sumI(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let sl = slice(wid, nwg, lid);
  if (!sl.valid) { return; }
  var acc = 0;
  var a = sl.first;
  for (var t = sl.t0; t < p.r; t += p.splits) {
    acc += xi[a];
    a += sl.step;
  }
  outI[sl.g] = acc;
}

@compute @workgroup_size(WG)
fn extremeI(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let sl = slice(wid, nwg, lid);
  if (!sl.valid) { return; }
  var best = p.initI;
  var a = sl.first;
  for (var t = sl.t0; t < p.r; t += p.splits) {
    let v = xi[a];
    if (beatsI(v, best)) { best = v; }
    a += sl.step;
  }
  outI[sl.g] = best;
}

// argmax/argmin of int32 values, first pass (values in xi) and later passes (xi, xIdx): the
// partial values go to outI.
@compute @workgroup_size(WG)
fn argI(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let sl = slice(wid, nwg, lid);
  if (!sl.valid) { return; }
  var best = p.initI;
  var bi = -1;
  var a = sl.first;
  for (var t = sl.t0; t < p.r; t += p.splits) {
    let v = xi[a];
    if (betterI(v, i32(t), best, bi)) { best = v; bi = i32(t); }
    a += sl.step;
  }
  outI[sl.g] = best;
  outIdx[sl.g] = max(bi, 0);
}

@compute @workgroup_size(WG)
fn argI2(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let sl = slice(wid, nwg, lid);
  if (!sl.valid) { return; }
  var best = p.initI;
  var bi = -1;
  var a = sl.first;
  for (var t = sl.t0; t < p.r; t += p.splits) {
    let v = xi[a];
    let i = xIdx[a];
    if (betterI(v, i, best, bi)) { best = v; bi = i; }
    a += sl.step;
  }
  outI[sl.g] = best;
  outIdx[sl.g] = max(bi, 0);
}
