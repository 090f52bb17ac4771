// Elementwise binary float ops and `where`, with numpy broadcasting. Each operand k is read at
// offsets(i)[k]: with BCAST off every operand either has the output's shape (index i) or is one
// element (index 0), given by p.step; with BCAST on, the output index is split into coordinates
// over p.shape (axes merged on the host) and dotted with the operand's strides (0 on broadcast
// axes). Buffers hold raw 32-bit words so `where` copies int32 and float32 alike.
//
// `main` / `choose` handle EPT elements per invocation, WG apart (fewer workgroups: several
// times faster on a CPU driver such as lavapipe). The `rows` / `chooseRows` entry points take the common broadcast layouts (per-row, per-column,
// per-channel: any collapsed shape of rank <= 3, padded to [d0, d1, d2], with a long last axis)
// on a 2-D grid over (chunks of d2, rows = d0 * d1; rows folded into wid.y/wid.z past the
// per-dimension limit): the row's coordinates cost one division per invocation, and each
// invocation handles EPT elements of its row, WG apart, at offsets base + j * stride.
struct Params {
  n: u32,
  rank: u32,
  rows: u32,
  step: vec3<u32>,
  shape: array<vec4<u32>, 2>,
  sa: array<vec4<u32>, 2>,
  sb: array<vec4<u32>, 2>,
  sc: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read> c: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<u32>;

// The binary op (ids: BINARY_OPS in src/engine/primitives.ts, pasted by the bundler).
override OP: u32 = 0;
override BCAST: bool = false;
// `where`: the condition is int32 (true when nonzero bits) rather than float32 (true when != 0.0).
override COND_INT: bool = false;
override WG: u32 = 64;
override EPT: u32 = 4;

// JS-semantics helpers (isNan, qnan, inf, jsMax, jsMin, jsPow), shared with unary.wgsl.
//!include js_math

//!include binary_ops

fn apply(u: f32, v: f32) -> f32 {
  // Comparisons with NaN are false (ne: true), as in JS; checked from the bits (see isNan).
  let unordered = isNan(u) || isNan(v);
  switch OP {
    case ADD: { return u + v; }
    case SUB: { return u - v; }
    case MUL: { return u * v; }
    case DIV: { return u / v; }
    case POW: { return jsPow(u, v); }
    case MAXIMUM: { return jsMax(u, v); }
    case MINIMUM: { return jsMin(u, v); }
    case GT: { return select(0.0, 1.0, u > v && !unordered); }
    case GE: { return select(0.0, 1.0, u >= v && !unordered); }
    case LT: { return select(0.0, 1.0, u < v && !unordered); }
    case LE: { return select(0.0, 1.0, u <= v && !unordered); }
    case EQ: { return select(0.0, 1.0, u == v && !unordered); }
    case NE, default: { return select(0.0, 1.0, u != v || unordered); }
  }
}

// Element offsets of operands a, b, c for output element i.
fn offsets(i: u32) -> vec3<u32> {
  if (!BCAST) { return i * p.step; }
  var o = vec3<u32>(0u);
  var rem = i;
  for (var d = p.rank; d > 0u; d--) {
    let k = d - 1u;
    let extent = p.shape[k / 4u][k % 4u];
    let coord = rem % extent;
    rem /= extent;
    o += coord * vec3<u32>(p.sa[k / 4u][k % 4u], p.sb[k / 4u][k % 4u], p.sc[k / 4u][k % 4u]);
  }
  return o;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  var i = (wid.x + wid.y * nwg.x) * (WG * EPT) + lid;
  for (var k = 0u; k < EPT; k++) {
    if (i < p.n) {
      let o = offsets(i);
      out[i] = bitcast<u32>(apply(bitcast<f32>(a[o.x]), bitcast<f32>(b[o.y])));
    }
    i += WG;
  }
}

// out = c != 0 ? a : b (c is the condition).
@compute @workgroup_size(WG)
fn choose(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  var i = (wid.x + wid.y * nwg.x) * (WG * EPT) + lid;
  for (var k = 0u; k < EPT; k++) {
    if (i < p.n) {
      let o = offsets(i);
      let cv = c[o.z];
      // A float32 condition is false only for +-0 (NaN counts as true, as `c !== 0` in JS).
      let take = select((cv & 0x7fffffffu) != 0u, cv != 0u, COND_INT);
      out[i] = select(b[o.y], a[o.x], take);
    }
    i += WG;
  }
}

// ---- row layouts: shape [d0, d1, d2] in p.shape[0].xyz, strides in p.sa/sb/sc[0].xyz ----------

// Offsets of operands a, b, c at the start of row `row` (= i0 * d1 + i1).
fn rowBase(row: u32) -> vec3<u32> {
  let d1 = p.shape[0][1];
  let i0 = row / d1;
  let i1 = row - i0 * d1;
  return i0 * vec3<u32>(p.sa[0][0], p.sb[0][0], p.sc[0][0]) + i1 * vec3<u32>(p.sa[0][1], p.sb[0][1], p.sc[0][1]);
}

@compute @workgroup_size(WG)
fn rows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y + wid.z * nwg.y;
  if (row >= p.rows) { return; }
  let d2 = p.shape[0][2];
  let base = rowBase(row);
  let st = vec3<u32>(p.sa[0][2], p.sb[0][2], p.sc[0][2]);
  let ob = row * d2;
  var j = wid.x * (WG * EPT) + lid;
  for (var k = 0u; k < EPT; k++) {
    if (j < d2) {
      let o = base + j * st;
      out[ob + j] = bitcast<u32>(apply(bitcast<f32>(a[o.x]), bitcast<f32>(b[o.y])));
    }
    j += WG;
  }
}

@compute @workgroup_size(WG)
fn chooseRows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y + wid.z * nwg.y;
  if (row >= p.rows) { return; }
  let d2 = p.shape[0][2];
  let base = rowBase(row);
  let st = vec3<u32>(p.sa[0][2], p.sb[0][2], p.sc[0][2]);
  let ob = row * d2;
  var j = wid.x * (WG * EPT) + lid;
  for (var k = 0u; k < EPT; k++) {
    if (j < d2) {
      let o = base + j * st;
      let cv = c[o.z];
      let take = select((cv & 0x7fffffffu) != 0u, cv != 0u, COND_INT);
      out[ob + j] = select(b[o.y], a[o.x], take);
    }
    j += WG;
  }
}
