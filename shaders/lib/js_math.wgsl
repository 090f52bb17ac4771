// JS-semantics helpers shared by binary.wgsl and unary.wgsl through `//!include js_math`
// (expanded by scripts/bundle-shaders.mjs): where WGSL leaves a case undefined, these follow
// JavaScript's Math functions, the CPU reference.
//!include nan
// NaN and +inf built at run time (a NaN or inf constant is a shader-creation error in WGSL).
fn qnan() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }
fn inf() -> f32 { var bits = 0x7f800000u; return bitcast<f32>(bits); }
fn jsMax(u: f32, v: f32) -> f32 { return select(max(u, v), qnan(), isNan(u) || isNan(v)); }
fn jsMin(u: f32, v: f32) -> f32 { return select(min(u, v), qnan(), isNan(u) || isNan(v)); }

// Math.pow: x^0 = 1 (even for NaN x); NaN for a finite x < 0 with a non-integer y; for x < 0 (or
// -0) the sign comes from the parity of an integer y. Small integer powers multiply by squaring
// (a few roundings, more accurate than WGSL's exp2(y * log2(x))).
fn jsPow(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (isNan(x) || isNan(y)) { return qnan(); }
  let ax = abs(x);
  let isInt = floor(y) == y; // true for +-inf too
  let negX = (bitcast<u32>(x) >> 31u) == 1u;
  if (negX && !isInt && ax != 0.0 && ax != inf()) { return qnan(); }
  var m: f32;
  if (ax == 0.0) {
    m = select(inf(), 0.0, y > 0.0);
  } else if (isInt && abs(y) <= 64.0) {
    m = 1.0;
    var base = ax;
    for (var e = u32(abs(y)); e != 0u; e >>= 1u) {
      if ((e & 1u) == 1u) { m *= base; }
      base *= base;
    }
    if (y < 0.0) { m = 1.0 / m; }
  } else {
    m = pow(ax, y);
  }
  let odd = isInt && abs(y) < 16777216.0 && (u32(abs(y)) & 1u) == 1u;
  return select(m, -m, negX && odd);
}
