// F.interpolate on NCHW planes, 'nearest' (PyTorch legacy) and 'bilinear' (see
// src/kernels/pool.ts and the CPU reference src/engine/cpu/pool.ts).
//
// x is viewed as `planes` (N * C) planes of H x W, the output as planes of OH x OW. Each output
// coordinate reads two taps per axis, i0 (weight 1 - lam) and i1 (weight lam); nearest has
// i0 == i1 and lam == 0. The forward runs one invocation per output element; the backward one
// per input element, gathering the output rows/cols that read it.
//
// Bilinear positions are exact rationals: src = num / den with integer num, den, so i0 = num / den
// and lam = (num % den) / den need no float rounding of the position (num is formed as a 64-bit
// product where it exceeds 32 bits). Nearest follows PyTorch bit for bit in float32:
// min(floor(f32(dst) * scale), in - 1), scale = f32(in / out) computed on the host.

struct Params {
  // Invocations: outputs (forward) or inputs (backward).
  n: u32,
  H: u32,
  W: u32,
  OH: u32,
  OW: u32,
  // 0: nearest, 1: bilinear.
  bilinear: u32,
  alignCorners: u32,
  // Nearest: float32(in / out) per axis.
  scaleH: f32,
  scaleW: f32,
  // Always 0 (see kadd).
  zero: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> gy: array<f32>;

override WG: u32 = 64;

// (floor(a * b / d), a * b mod d) for d > 0, exact; needs a * b / d < 2^32.
fn mulDivMod(a: u32, b: u32, d: u32) -> vec2u {
  if (b == 0u || a <= 0xffffffffu / b) {
    let m = a * b;
    return vec2u(m / d, m % d);
  }
  // 64-bit product hi:lo from 16-bit halves.
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let lh = al * bh;
  let hl = ah * bl;
  let t = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  let lo = (t << 16u) | (ll & 0xffffu);
  let hi = ah * bh + (lh >> 16u) + (hl >> 16u) + (t >> 16u);
  // Long division; hi < d because the quotient fits 32 bits, so r < d throughout.
  var r = hi;
  var qt = 0u;
  for (var k = 31i; k >= 0i; k--) {
    let top = r >> 31u;
    r = (r << 1u) | ((lo >> u32(k)) & 1u);
    qt = qt << 1u;
    if (top != 0u || r >= d) {
      r = r - d;
      qt = qt | 1u;
    }
  }
  return vec2u(qt, r);
}

// kadd: Kahan-compensated running sum (uses p.zero).
//!include kahan

struct Taps {
  i0: u32,
  i1: u32,
  lam: f32,
}

// Source taps of output coordinate `dst` along an axis of `inS` inputs and `outS` outputs.
fn taps(dst: u32, inS: u32, outS: u32, scale: f32) -> Taps {
  var t: Taps;
  if (p.bilinear == 0u) {
    t.i0 = min(u32(floor(f32(dst) * scale)), inS - 1u);
    t.i1 = t.i0;
    return t;
  }
  if (p.alignCorners != 0u) {
    // src = dst * (in - 1) / (out - 1); 0 when out == 1.
    if (outS > 1u) {
      let qr = mulDivMod(dst, inS - 1u, outS - 1u);
      t.i0 = qr.x;
      t.lam = f32(qr.y) / f32(outS - 1u);
    }
  } else {
    // src = ((2 dst + 1) in - out) / (2 out), clamped at 0.
    let den = 2u * outS;
    let qr = mulDivMod(2u * dst + 1u, inS, den);
    if (qr.y >= outS) {
      t.i0 = qr.x;
      t.lam = f32(qr.y - outS) / f32(den);
    } else if (qr.x > 0u) {
      t.i0 = qr.x - 1u;
      t.lam = f32(qr.y + outS) / f32(den);
    }
  }
  t.i1 = select(t.i0, t.i0 + 1u, t.i0 + 1u < inS);
  return t;
}

// out [planes, OH, OW].
@compute @workgroup_size(WG)
fn upsample(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let per = p.OH * p.OW;
  let r = i % per;
  let base = (i / per) * p.H * p.W;
  let th = taps(r / p.OW, p.H, p.OH, p.scaleH);
  let tw = taps(r % p.OW, p.W, p.OW, p.scaleW);
  let r0 = base + th.i0 * p.W;
  if (p.bilinear == 0u) {
    out[i] = x[r0 + tw.i0];
    return;
  }
  let r1 = base + th.i1 * p.W;
  let top = (1.0 - tw.lam) * x[r0 + tw.i0] + tw.lam * x[r0 + tw.i1];
  let bot = (1.0 - tw.lam) * x[r1 + tw.i0] + tw.lam * x[r1 + tw.i1];
  out[i] = (1.0 - th.lam) * top + th.lam * bot;
}

// [lo, hi): output coordinates that may read input coordinate i (a float estimate widened by 2
// on each side; every candidate is checked exactly with `taps`).
fn candidates(i: u32, inS: u32, outS: u32) -> vec2u {
  let fi = f32(i);
  var lo: f32;
  var hi: f32;
  if (p.bilinear == 0u) {
    let k = f32(outS) / f32(inS);
    lo = fi * k;
    hi = (fi + 1.0) * k;
  } else if (p.alignCorners != 0u) {
    if (inS == 1u || outS == 1u) { return vec2u(0u, outS); }
    let k = f32(outS - 1u) / f32(inS - 1u);
    lo = (fi - 1.0) * k;
    hi = (fi + 1.0) * k;
  } else {
    let k = f32(outS) / f32(inS);
    lo = (fi - 0.5) * k - 0.5;
    hi = (fi + 1.5) * k - 0.5;
  }
  return vec2u(u32(max(floor(lo) - 2.0, 0.0)), u32(clamp(ceil(hi) + 3.0, 0.0, f32(outS))));
}

// (reads, weight): reads = 1 when output coordinate dst reads input coordinate i at all (even
// with weight 0, so that a NaN gradient propagates as in PyTorch's scatter), with that weight.
fn weight(dst: u32, i: u32, inS: u32, outS: u32, scale: f32) -> vec2f {
  let t = taps(dst, inS, outS, scale);
  if (p.bilinear == 0u) { return select(vec2f(0.0), vec2f(1.0), t.i0 == i); }
  let w = select(0.0, 1.0 - t.lam, t.i0 == i) + select(0.0, t.lam, t.i1 == i);
  return vec2f(select(0.0, 1.0, t.i0 == i || t.i1 == i), w);
}

// out [planes, H, W] from gy [planes, OH, OW]: the adjoint of upsample.
@compute @workgroup_size(WG)
fn upsampleBackward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  if (p.OH == 0u || p.OW == 0u) {
    out[i] = 0.0;
    return;
  }
  let per = p.H * p.W;
  let r = i % per;
  let ih = r / p.W;
  let iw = r % p.W;
  let gbase = (i / per) * p.OH * p.OW;
  let ch = candidates(ih, p.H, p.OH);
  let cw = candidates(iw, p.W, p.OW);
  var s = vec2f(0.0);
  for (var oh = ch.x; oh < ch.y; oh++) {
    let wh = weight(oh, ih, p.H, p.OH, p.scaleH);
    if (wh.x == 0.0) { continue; }
    var acc = vec2f(0.0);
    for (var ow = cw.x; ow < cw.y; ow++) {
      let ww = weight(ow, iw, p.W, p.OW, p.scaleW);
      if (ww.x != 0.0) {
        acc = kadd(acc, ww.y * gy[gbase + oh * p.OW + ow]);
      }
    }
    s = kadd(s, wh.y * (acc.x - acc.y));
  }
  out[i] = s.x - s.y;
}
