// Elementwise unary float ops. The op is the pipeline-overridable constant OP (ids match
// UNARY_OPS in src/engine/primitives.ts; the bundler pastes them), so each op compiles to its
// own branch-free kernel.
// Where WGSL leaves a case undefined, the result follows JavaScript's Math functions (the CPU
// reference): NaN propagates through relu/clamp/sign, pow follows Math.pow, tanh saturates.
struct Params { n: u32, a: f32, b: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override OP: u32 = 0;
override WG: u32 = 64;
override EPT: u32 = 4;

// JS-semantics helpers (isNan, qnan, inf, jsMax, jsMin, jsPow), shared with binary.wgsl.
//!include js_math

//!include unary_ops

fn apply(v: f32) -> f32 {
  switch OP {
    case NEG: { return -v; }
    case EXP: { return exp(v); }
    case LOG: { return log(v); }
    case SQRT: { return sqrt(v); }
    case ABS: { return abs(v); }
    case RELU: { return jsMax(v, 0.0); }
    case SIGMOID: {
      // exp of -|v| never overflows: 1/(1+e) for v >= 0, e/(1+e) for v < 0.
      let e = exp(-abs(v));
      return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
    }
    case TANH: { return select(tanh(v), sign(v), abs(v) > 15.0); } // some tanh give NaN for large |v|
    case SIGN: { return select(select(select(0.0, -1.0, v < 0.0), 1.0, v > 0.0), v, isNan(v)); }
    case STEP: { return select(0.0, 1.0, v > 0.0); }
    case SQUARE: { return v * v; }
    case RECIPROCAL: { return 1.0 / v; }
    case SIN: { return sin(v); }
    case COS: { return cos(v); }
    case CLAMP: { return jsMin(jsMax(v, p.a), p.b); }
    case POW_SCALAR: { return jsPow(v, p.a); }
    case AFFINE, default: { return p.a * v + p.b; }
  }
}

// Each invocation handles EPT elements, WG apart (neighbouring lanes touch neighbouring words):
// on a CPU driver (lavapipe) this cuts the per-workgroup overhead, several times faster than one
// element per invocation.
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  var i = (wid.x + wid.y * nwg.x) * (WG * EPT) + lid;
  for (var k = 0u; k < EPT; k++) {
    if (i < p.n) { out[i] = apply(x[i]); }
    i += WG;
  }
}
