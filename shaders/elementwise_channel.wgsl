// Per-channel affine map (see src/kernels/elementwise.ts, channelAffine): x viewed as
// [outer, channels, inner], y[i] = x[i] * scale[c] + shift[c] with c the middle index.
//
// `rows` (long rows): a 2-D dispatch over (inner chunks, rows = outer * channels, folded into
// wid.y/wid.z past the per-dimension limit), so the channel comes from the workgroup id once per
// invocation and each invocation handles EPT elements of its row, WG apart (neighbouring lanes
// read neighbouring words). `flat` (short rows): one element per invocation, the channel from an
// integer division.
struct Params { n: u32, rows: u32, channels: u32, inner: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> shift: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

override WG: u32 = 64;
override EPT: u32 = 4;

@compute @workgroup_size(WG)
fn rows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y + wid.z * nwg.y;
  if (row >= p.rows) { return; }
  let ch = row % p.channels;
  let s = scale[ch];
  let t = shift[ch];
  let base = row * p.inner;
  var j = wid.x * (WG * EPT) + lid;
  for (var k = 0u; k < EPT; k++) {
    if (j < p.inner) { out[base + j] = x[base + j] * s + t; }
    j += WG;
  }
}

@compute @workgroup_size(WG)
fn flat(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let ch = (i / p.inner) % p.channels;
  out[i] = x[i] * scale[ch] + shift[ch];
}
