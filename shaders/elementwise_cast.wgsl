// float32 <-> int32 conversion on raw 32-bit words. float -> int truncates toward zero and
// saturates to the int32 range; NaN gives 0 (as toInt32 in src/engine/cpu/storage.ts).
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

// 0: float32 -> int32; 1: int32 -> float32; 2: same dtype (copy).
override MODE: u32 = 0;
override WG: u32 = 64;

fn toInt(v: f32) -> i32 {
  // WGSL's i32(v) saturates at 2147483520 (the largest float32 below 2^31), and NaN is undefined.
  if ((bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u) { return 0; }
  if (v >= 2147483648.0) { return 2147483647; }
  return i32(v);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  switch MODE {
    case 0u: { out[i] = bitcast<u32>(toInt(bitcast<f32>(x[i]))); }
    case 1u: { out[i] = bitcast<u32>(f32(bitcast<i32>(x[i]))); }
    default: { out[i] = x[i]; }
  }
}
