// Copy kernels on raw 32-bit words (float32 and int32 alike): strided gather (permute, slice,
// flip, broadcast), one input's block of a concat, and constant/reflect padding.
override WG: u32 = 64;

// ---- main: out[i] = x[offset + sum_k coord_k(i) * strides[k]] (strides may be <= 0) ----------
struct StridedParams {
  n: u32,
  rank: u32,
  offset: i32,
  shape: array<vec4<u32>, 2>,
  strides: array<vec4<i32>, 2>,
}
@group(0) @binding(0) var<uniform> sp: StridedParams;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= sp.n) { return; }
  var src = sp.offset;
  var rem = i;
  for (var d = sp.rank; d > 0u; d--) {
    let k = d - 1u;
    let extent = sp.shape[k / 4u][k % 4u];
    src += i32(rem % extent) * sp.strides[k / 4u][k % 4u];
    rem /= extent;
  }
  out[i] = x[u32(src)];
}

// ---- concat: x viewed [outer, chunk] goes to columns [col, col + chunk) of out [outer, row] ----
struct ConcatParams { n: u32, chunk: u32, row: u32, col: u32 }
@group(0) @binding(0) var<uniform> cp: ConcatParams;

@compute @workgroup_size(WG)
fn concat(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= cp.n) { return; }
  let o = i / cp.chunk;
  out[o * cp.row + cp.col + (i - o * cp.chunk)] = x[i];
}

// ---- pad: each axis k of x (inShape[k]) gets before[k] elements in front; out has outShape ----
// Positions outside x take `value` (constant mode) or mirror x without repeating the edge
// (REFLECT, numpy 'reflect', periodic when the pad exceeds the axis; an axis of 1 repeats).
struct PadParams {
  n: u32,
  rank: u32,
  value: u32,
  outShape: array<vec4<u32>, 2>,
  inShape: array<vec4<u32>, 2>,
  before: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> pp: PadParams;
override REFLECT: bool = false;

@compute @workgroup_size(WG)
fn pad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= pp.n) { return; }
  var src = 0u;
  var stride = 1u;
  var rem = i;
  for (var d = pp.rank; d > 0u; d--) {
    let k = d - 1u;
    let extent = pp.outShape[k / 4u][k % 4u];
    let len = i32(pp.inShape[k / 4u][k % 4u]);
    var j = i32(rem % extent) - i32(pp.before[k / 4u][k % 4u]);
    rem /= extent;
    if (j < 0 || j >= len) {
      if (!REFLECT || len == 0) {
        out[i] = pp.value;
        return;
      }
      if (len == 1) {
        j = 0;
      } else {
        let period = 2 * (len - 1);
        j %= period;
        if (j < 0) { j += period; }
        if (j >= len) { j = period - j; }
      }
    }
    src += u32(j) * stride;
    stride *= u32(len);
  }
  out[i] = x[src];
}
