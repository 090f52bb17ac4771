// Kahan summation shared by pool.wgsl and upsample.wgsl through `//!include kahan` (expanded by
// scripts/bundle-shaders.mjs). The including shader must declare a uniform `p` with a u32 field
// `zero` that the host always sets to 0.
//
// Kahan-compensated running sum k = (sum, compensation) plus v; the total is k.x - k.y. The new
// sum is laundered through its bits (p.zero is always 0) so that the driver's compiler cannot
// simplify (s - k.x) - y to 0 (Mesa's default fast-math rules would). The compensation is reset
// once the sum is infinite or NaN, so infinities survive (inf - inf would poison it with NaN).
fn kadd(k: vec2f, v: f32) -> vec2f {
  let y = v - k.y;
  let s = bitcast<f32>(bitcast<u32>(k.x + y) ^ p.zero);
  let finite = (bitcast<u32>(s) & 0x7f800000u) != 0x7f800000u;
  return vec2f(s, select(0.0, (s - k.x) - y, finite));
}
