// Counter-based random numbers: a line-by-line port of src/engine/random.ts (PCG-RXS-M-XS 32
// hash of the element index mixed with the seed key), so element i matches the CPU reference.
// out[i] = a + scale * z with z uniform in [0, 1) (scale = b - a) or standard normal (scale = sd).
struct Params { n: u32, key: u32, a: f32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

override NORMAL: bool = false;
override WG: u32 = 64;

const INV24 = 1.0 / 16777216.0;
const TAU = 6.283185307179586;

// One round of the PCG hash (u32 arithmetic wraps like Math.imul / >>> 0).
fn pcgHash(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let h1 = pcgHash(i ^ p.key);
  var z: f32;
  if (NORMAL) {
    // Box-Muller with u1 = 1 - v in (0, 1] and u2 in [0, 1).
    let h2 = pcgHash(h1 ^ 0x9e3779b9u);
    let v = f32(0xffffffu - (h1 >> 8u)) * INV24;
    let u2 = f32(h2 >> 8u) * INV24;
    // -ln(1 - v): WGSL's log is only absolutely accurate near 1, so small v takes the series
    // v + v^2/2 + ... + v^6/6 (truncation below 1e-8 relative for v < 1/16).
    var nlog: f32;
    if (v < 0.0625) {
      nlog = v * (1.0 + v * (1.0 / 2.0 + v * (1.0 / 3.0 + v * (1.0 / 4.0 + v * (1.0 / 5.0 + v / 6.0)))));
    } else {
      nlog = -log(1.0 - v);
    }
    // cos(2 pi u2) = -cos(2 pi (u2 - 1/2)): the argument stays in [-pi, pi), where WGSL's cos
    // accuracy is specified.
    z = -sqrt(2.0 * nlog) * cos(TAU * (u2 - 0.5));
  } else {
    z = f32(h1 >> 8u) * INV24; // 24 random bits: exact in float32
  }
  out[i] = p.a + p.scale * z;
}
