// conv2d forward as an implicit GEMM (see src/kernels/conv.ts), PyTorch Conv2d semantics:
//   out[n, g*Og + m, ho, wo] = bias[g*Og + m] + sum_{c, ki, kj} w[g*Og + m, c, ki, kj] * x[n, g*Cg + c, hi, wi]
//   hi = ho*sh - ph + ki*dh, wi = wo*sw - pw + kj*dw (zero outside the input).
// Per group g: M = Og output channels, N = batch*Ho*Wo output pixels, K = Cg*kh*kw.
//
// Register tiling without workgroup memory (on lavapipe a workgroup is one core's SIMD lanes):
// each invocation computes TM output channels x TN consecutive output pixels; a workgroup of
// WGX x WGY invocations covers (WGY*TM) channels x (WGX*TN) pixels. The K loop runs tap-major:
// for each tap (ki, kj) the TN input offsets and their in-bounds flags are computed once, then
// the loop over the Cg input channels only steps those offsets by H*W (and the weight offsets by
// kh*kw). Out-of-bounds taps load from a safe address (the start of the pixel's channel plane)
// and are replaced by 0 with select(), so the inner loop has no branches. Edge invocations clamp
// their channel/pixel indices for the loads and skip the stores out of range.
//
// Epilogue (fusedConv2d): with EPILOGUE_AFFINE the stored value is scale[oc] * (acc + bias) +
// shift[oc] (an eval-mode BatchNorm folded into a per-channel affine map), with EPILOGUE_RELU it
// is then clamped at 0 (NaN propagates, as the relu kernel). Both default to false: the plain conv
// compiles to the same kernel as before, and binds `bias` in place of scale/shift (never read).
//
// Workgroups are numbered linearly over (group, channel tile, pixel tile), pixel tile fastest;
// the 1-D count is folded into 2-D by the context when it passes 65,535.

struct Params {
  n: u32,
  c: u32,
  h: u32,
  w: u32,
  o: u32,
  ho: u32,
  wo: u32,
  kh: u32,
  kw: u32,
  sh: u32,
  sw: u32,
  ph: i32,
  pw: i32,
  dh: u32,
  dw: u32,
  groups: u32,
  cg: u32,
  og: u32,
  // n * ho * wo
  npix: u32,
  tilesM: u32,
  tilesN: u32,
  hasBias: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read> scale: array<f32>;
@group(0) @binding(6) var<storage, read> shift: array<f32>;

override WGX: u32 = 8;
override WGY: u32 = 2;
override TM: u32 = 4;
override TN: u32 = 4;
override EPILOGUE_AFFINE: bool = false;
override EPILOGUE_RELU: bool = false;
const MAXT = 8u;

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let wgi = wid.x + wid.y * nwg.x;
  let tiles = p.tilesM * p.tilesN;
  if (wgi >= tiles * p.groups) { return; }
  let g = wgi / tiles;
  let tile = wgi % tiles;
  let row0 = ((tile / p.tilesN) * WGY + lid.y) * TM;
  let col0 = ((tile % p.tilesN) * WGX + lid.x) * TN;

  let hw = p.h * p.w;
  let khw = p.kh * p.kw;
  let plane = p.ho * p.wo;

  // Weight row offsets w[g*Og + m, 0, 0, 0].
  var wOff: array<u32, MAXT>;
  for (var r = 0u; r < TM; r++) { wOff[r] = (g * p.og + min(row0 + r, p.og - 1u)) * p.cg * khw; }

  // Per pixel: start of its first input channel plane, and the input position of tap (0, 0).
  var xBase: array<u32, MAXT>;
  var hi0: array<i32, MAXT>;
  var wi0: array<i32, MAXT>;
  for (var c = 0u; c < TN; c++) {
    let pix = min(col0 + c, p.npix - 1u);
    let q = pix % plane;
    let b = pix / plane;
    xBase[c] = (b * p.c + g * p.cg) * hw;
    hi0[c] = i32((q / p.wo) * p.sh) - p.ph;
    wi0[c] = i32((q % p.wo) * p.sw) - p.pw;
  }

  var acc: array<f32, MAXT * MAXT>;
  var xo: array<u32, MAXT>;
  var ok: array<bool, MAXT>;
  var av: array<f32, MAXT>;
  var bv: array<f32, MAXT>;
  for (var ki = 0u; ki < p.kh; ki++) {
    for (var kj = 0u; kj < p.kw; kj++) {
      let tap = ki * p.kw + kj;
      for (var c = 0u; c < TN; c++) {
        let hi = hi0[c] + i32(ki * p.dh);
        let wi = wi0[c] + i32(kj * p.dw);
        ok[c] = u32(hi) < p.h && u32(wi) < p.w;
        xo[c] = select(xBase[c], xBase[c] + u32(hi) * p.w + u32(wi), ok[c]);
      }
      var wk = tap;
      for (var ci = 0u; ci < p.cg; ci++) {
        for (var r = 0u; r < TM; r++) { av[r] = w[wOff[r] + wk]; }
        for (var c = 0u; c < TN; c++) { bv[c] = select(0.0, x[xo[c]], ok[c]); xo[c] += hw; }
        for (var r = 0u; r < TM; r++) {
          for (var c = 0u; c < TN; c++) {
            acc[r * MAXT + c] = fma(av[r], bv[c], acc[r * MAXT + c]);
          }
        }
        wk += khw;
      }
    }
  }

  for (var r = 0u; r < TM; r++) {
    let m = row0 + r;
    if (m >= p.og) { break; }
    let oc = g * p.og + m;
    var bval = 0.0;
    if (p.hasBias != 0u) { bval = bias[oc]; }
    var sc = 1.0;
    var sf = 0.0;
    if (EPILOGUE_AFFINE) {
      sc = scale[oc];
      sf = shift[oc];
    }
    for (var c = 0u; c < TN; c++) {
      let pix = col0 + c;
      if (pix >= p.npix) { break; }
      let b = pix / plane;
      var v = acc[r * MAXT + c] + bval;
      if (EPILOGUE_AFFINE) { v = fma(sc, v, sf); }
      if (EPILOGUE_RELU) { v = select(max(v, 0.0), v, v != v); }
      out[(b * p.o + oc) * plane + pix % plane] = v;
    }
  }
}
