// Per-channel statistics and the two-input per-channel affine map behind batch norm's training
// pass and its backward (see the channelMoments / channelAffine2 wrappers). Tensors are viewed as
// [outer, channels, inner]; channel c holds count = outer * inner values, numbered
// k = o * inner + i (address (o * channels + c) * inner + i).
//
// `moments`: m0[c] = sum a, m1[c] = sum (a - sa[c]) * (b - sb[c]), with b = a unless HAS_B.
//   Workgroup (part, c) reduces values k in [part * chunk, min((part + 1) * chunk, count)) of
//   channel c, lanes WG apart (neighbouring lanes read neighbouring words), each lane summing in
//   float32, then a tree over the workgroup; it writes partial[(part * channels + c) * 2 + {0, 1}].
//   When inner >= WG a lane steps (o, i) by WG with at most one carry; otherwise it divides.
// `combine`: invocation c adds the parts in order: out[c] = m0, out[channels + c] = m1.
// `affine2`: out = a * sa[c] + b * sb[c] + shift[c], over a 2-D grid (inner chunks, rows =
//   outer * channels) like channel.wgsl's `rows`, or flat when rows are short.
// `momentsVec4` / `affine2Vec4`: the same on vec4 words when inner % 4 == 0 (the wrapper then
//   passes inner, count and chunk in words): a quarter of the loads, SIMD-friendly on lavapipe.

struct Params {
  n: u32,
  rows: u32,
  channels: u32,
  inner: u32,
  // outer * inner: values per channel.
  count: u32,
  parts: u32,
  chunk: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> sa: array<f32>;
@group(0) @binding(4) var<storage, read> sb: array<f32>;
@group(0) @binding(5) var<storage, read> shift: array<f32>;
@group(0) @binding(6) var<storage, read> partial: array<f32>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;
// The vec4 entries' views of a, b and out.
@group(0) @binding(8) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read_write> out4: array<vec4<f32>>;

override WG: u32 = 64;
override EPT: u32 = 4;
override HAS_B: bool = false;
const MAXWG = 256u;

var<workgroup> r0: array<f32, MAXWG>;
var<workgroup> r1: array<f32, MAXWG>;

@compute @workgroup_size(WG)
fn moments(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let wgi = wid.x + wid.y * nwg.x;
  let c = wgi % p.channels;
  let part = wgi / p.channels;
  var s0 = 0.0;
  var s1 = 0.0;
  if (part < p.parts) {
    let ca = sa[c];
    let cb = sb[c];
    let k1 = min((part + 1u) * p.chunk, p.count);
    var k = part * p.chunk + lid;
    var o = k / p.inner;
    var i = k - o * p.inner;
    let stride = p.channels * p.inner;
    let big = p.inner >= WG;
    while (k < k1) {
      let idx = (o * p.channels + c) * p.inner + i;
      let va = a[idx];
      var vb = va;
      if (HAS_B) { vb = b[idx]; }
      s0 += va;
      s1 = fma(va - ca, vb - cb, s1);
      k += WG;
      if (big) {
        i += WG;
        if (i >= p.inner) { i -= p.inner; o += 1u; }
      } else {
        o = k / p.inner;
        i = k - o * p.inner;
      }
    }
  }
  r0[lid] = s0;
  r1[lid] = s1;
  workgroupBarrier();
  var h = WG / 2u;
  while (h > 0u) {
    if (lid < h) {
      r0[lid] += r0[lid + h];
      r1[lid] += r1[lid + h];
    }
    workgroupBarrier();
    h /= 2u;
  }
  if (lid == 0u && part < p.parts) {
    out[(part * p.channels + c) * 2u] = r0[0];
    out[(part * p.channels + c) * 2u + 1u] = r1[0];
  }
}

@compute @workgroup_size(WG)
fn combine(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = (wid.x + wid.y * nwg.x) * WG + lid;
  if (c >= p.channels) { return; }
  var s0 = 0.0;
  var s1 = 0.0;
  for (var q = 0u; q < p.parts; q++) {
    s0 += partial[(q * p.channels + c) * 2u];
    s1 += partial[(q * p.channels + c) * 2u + 1u];
  }
  out[c] = s0;
  out[p.channels + c] = s1;
}

@compute @workgroup_size(WG)
fn affine2Rows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y + wid.z * nwg.y;
  if (row >= p.rows) { return; }
  let ch = row % p.channels;
  let ka = sa[ch];
  let kb = sb[ch];
  let t = shift[ch];
  let base = row * p.inner;
  var j = wid.x * (WG * EPT) + lid;
  for (var k = 0u; k < EPT; k++) {
    if (j < p.inner) { out[base + j] = fma(a[base + j], ka, fma(b[base + j], kb, t)); }
    j += WG;
  }
}

@compute @workgroup_size(WG)
fn affine2Flat(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let ch = (i / p.inner) % p.channels;
  out[i] = fma(a[i], sa[ch], fma(b[i], sb[ch], shift[ch]));
}

// affine2Vec4: affine2Rows on vec4 words (inner % 4 == 0): a quarter of the loads and stores.
@compute @workgroup_size(WG)
fn affine2Vec4(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y + wid.z * nwg.y;
  if (row >= p.rows) { return; }
  let ch = row % p.channels;
  let ka = sa[ch];
  let kb = sb[ch];
  let t = shift[ch];
  let inner4 = p.inner / 4u;
  let base = row * inner4;
  var j = wid.x * (WG * EPT) + lid;
  for (var k = 0u; k < EPT; k++) {
    if (j < inner4) { out4[base + j] = fma(a4[base + j], vec4<f32>(ka), fma(b4[base + j], vec4<f32>(kb), vec4<f32>(t))); }
    j += WG;
  }
}

// momentsVec4: `moments` on vec4 words (inner % 4 == 0; count, chunk and inner in words).
@compute @workgroup_size(WG)
fn momentsVec4(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let wgi = wid.x + wid.y * nwg.x;
  let c = wgi % p.channels;
  let part = wgi / p.channels;
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  if (part < p.parts) {
    let ca = vec4<f32>(sa[c]);
    let cb = vec4<f32>(sb[c]);
    let k1 = min((part + 1u) * p.chunk, p.count);
    var k = part * p.chunk + lid;
    var o = k / p.inner;
    var i = k - o * p.inner;
    let big = p.inner >= WG;
    while (k < k1) {
      let idx = (o * p.channels + c) * p.inner + i;
      let va = a4[idx];
      var vb = va;
      if (HAS_B) { vb = b4[idx]; }
      s0 += va;
      s1 = fma(va - ca, vb - cb, s1);
      k += WG;
      if (big) {
        i += WG;
        if (i >= p.inner) { i -= p.inner; o += 1u; }
      } else {
        o = k / p.inner;
        i = k - o * p.inner;
      }
    }
  }
  r0[lid] = s0.x + s0.y + s0.z + s0.w;
  r1[lid] = s1.x + s1.y + s1.z + s1.w;
  workgroupBarrier();
  var h = WG / 2u;
  while (h > 0u) {
    if (lid < h) {
      r0[lid] += r0[lid + h];
      r1[lid] += r1[lid + h];
    }
    workgroupBarrier();
    h /= 2u;
  }
  if (lid == 0u && part < p.parts) {
    out[(part * p.channels + c) * 2u] = r0[0];
    out[(part * p.channels + c) * 2u + 1u] = r1[0];
  }
}
