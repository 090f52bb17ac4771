// conv2d backward passes as implicit GEMMs (see src/kernels/conv.ts), PyTorch Conv2d semantics,
// with hi = ho*sh - ph + ki*dh and wi = wo*sw - pw + kj*dw. Same register tiling as
// conv_forward.wgsl: each invocation owns a TM x TN block of outputs, a workgroup of WGX x WGY
// invocations covers (WGY*TM) rows x (WGX*TN) columns, no workgroup memory, out-of-bounds reads
// come from a safe address and are replaced by 0 with select().
//
// `backInput`: gx[n, g*Cg + c, h, w] = sum_{m, ki, kj} w[g*Og + m, c, ki, kj] * gy[n, g*Og + m, ho, wo]
//   over the taps with ho*sh = h + ph - ki*dh and wo*sw = w + pw - kj*dw exactly (and in range).
//   Per group: M = Cg input channels, N = input pixels, K = Og*kh*kw. The input pixels are
//   numbered by stride phase: pixel (rh, rw, n, hq, wq) is h = rh + hq*sh, w = rw + wq*sw, and a
//   workgroup only covers pixels of one phase (rh, rw). Whether a tap's row/column offset is
//   divisible by the stride then depends on the phase alone, so a workgroup skips the taps that
//   do not reach its phase as a whole (uniform branch) instead of masking them per pixel: with
//   stride 2x2 it runs a quarter of the taps. For a valid tap, ho = hq + (rh + ph - ki*dh)/sh.
//   Workgroups: (group, phase, channel tile, pixel tile), pixel tile fastest; phase grid
//   Hq = ceil(H/sh), Wq = ceil(W/sw) (pixels past H or W are computed and not stored).
//
// `backWeight`: gw[g*Og + m, c, ki, kj] = sum_{n, ho, wo} gy[n, g*Og + m, ho, wo] * x[n, g*Cg + c, hi, wi].
//   Per group: M = Og output channels, N = Cg*kh*kw weight columns, reduced over the n*Ho rows of
//   Wo output pixels. Along a row, the output columns at which every column of the invocation
//   reads inside the input run without bounds checks; only the edges are checked. The rows are
//   split into `splits` chunks of `rowsPerSplit`; chunk s writes
//   out[s * O*Cg*kh*kw + ...] and, when splits > 1, `sumPartials` adds the chunks in a second
//   dispatch. Workgroups: (split, group, channel tile, column tile), column tile fastest.

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
  tilesM: u32,
  tilesN: u32,
  // input: phase grid Hq, Wq and n*Hq*Wq pixels per phase.
  hq: u32,
  wq: u32,
  npq: u32,
  // weight: chunks of the n*Ho output rows.
  splits: u32,
  rowsPerSplit: u32,
  // sumPartials: O*Cg*kh*kw.
  total: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> gy: array<f32>;
@group(0) @binding(4) var<storage, read> partial: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

override WGX: u32 = 8;
override WGY: u32 = 2;
override TM: u32 = 4;
override TN: u32 = 4;
override WG: u32 = 64;
const MAXT = 8u;

@compute @workgroup_size(WGX, WGY)
fn backInput(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let wgi = wid.x + wid.y * nwg.x;
  let tiles = p.tilesM * p.tilesN;
  let phases = p.sh * p.sw;
  if (wgi >= tiles * phases * p.groups) { return; }
  let gph = wgi / tiles;
  let tile = wgi % tiles;
  let g = gph / phases;
  let rh = (gph % phases) / p.sw;
  let rw = (gph % phases) % p.sw;
  let row0 = ((tile / p.tilesN) * WGY + lid.y) * TM;
  let col0 = ((tile % p.tilesN) * WGX + lid.x) * TN;

  let khw = p.kh * p.kw;
  let plane = p.ho * p.wo;
  let wStep = p.cg * khw;

  // Weight offsets w[g*Og, c, 0, 0] of this invocation's input channels c.
  var wOff: array<u32, MAXT>;
  for (var r = 0u; r < TM; r++) { wOff[r] = (g * p.og * p.cg + min(row0 + r, p.cg - 1u)) * khw; }

  // Per pixel: gy[n, g*Og, 0, 0] and the pixel's phase-grid position.
  var gyBase: array<u32, MAXT>;
  var hqv: array<i32, MAXT>;
  var wqv: array<i32, MAXT>;
  for (var c = 0u; c < TN; c++) {
    let pix = min(col0 + c, p.npq - 1u);
    let t = pix / p.wq;
    gyBase[c] = ((t / p.hq) * p.o + g * p.og) * plane;
    hqv[c] = i32(t % p.hq);
    wqv[c] = i32(pix % p.wq);
  }

  var acc: array<f32, MAXT * MAXT>;
  var go: array<u32, MAXT>;
  var ok: array<bool, MAXT>;
  var av: array<f32, MAXT>;
  var bv: array<f32, MAXT>;
  let sh = i32(p.sh);
  let sw = i32(p.sw);
  for (var ki = 0u; ki < p.kh; ki++) {
    let th = i32(rh) + p.ph - i32(ki * p.dh);
    if (th % sh != 0) { continue; }
    let dho = th / sh;
    for (var kj = 0u; kj < p.kw; kj++) {
      let tw = i32(rw) + p.pw - i32(kj * p.dw);
      if (tw % sw != 0) { continue; }
      let dwo = tw / sw;
      for (var c = 0u; c < TN; c++) {
        let oh = hqv[c] + dho;
        let ow = wqv[c] + dwo;
        ok[c] = u32(oh) < p.ho && u32(ow) < p.wo;
        go[c] = select(gyBase[c], gyBase[c] + u32(oh) * p.wo + u32(ow), ok[c]);
      }
      var wk = ki * p.kw + kj;
      for (var m = 0u; m < p.og; m++) {
        for (var r = 0u; r < TM; r++) { av[r] = w[wOff[r] + wk]; }
        for (var c = 0u; c < TN; c++) { bv[c] = select(0.0, gy[go[c]], ok[c]); go[c] += plane; }
        for (var r = 0u; r < TM; r++) {
          for (var c = 0u; c < TN; c++) {
            acc[r * MAXT + c] = fma(av[r], bv[c], acc[r * MAXT + c]);
          }
        }
        wk += wStep;
      }
    }
  }

  let hw = p.h * p.w;
  for (var r = 0u; r < TM; r++) {
    let ci = row0 + r;
    if (ci >= p.cg) { break; }
    for (var c = 0u; c < TN; c++) {
      let pix = col0 + c;
      if (pix >= p.npq) { break; }
      let t = pix / p.wq;
      let hh = rh + (t % p.hq) * p.sh;
      let ww = rw + (pix % p.wq) * p.sw;
      if (hh < p.h && ww < p.w) {
        out[((t / p.hq) * p.c + g * p.cg + ci) * hw + hh * p.w + ww] = acc[r * MAXT + c];
      }
    }
  }
}

@compute @workgroup_size(WGX, WGY)
fn backWeight(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let wgi = wid.x + wid.y * nwg.x;
  let tiles = p.tilesM * p.tilesN;
  if (wgi >= tiles * p.groups * p.splits) { return; }
  let sg = wgi / tiles;
  let tile = wgi % tiles;
  let split = sg / p.groups;
  let g = sg % p.groups;
  let row0 = ((tile / p.tilesN) * WGY + lid.y) * TM;
  let col0 = ((tile % p.tilesN) * WGX + lid.x) * TN;

  let hw = p.h * p.w;
  let khw = p.kh * p.kw;
  let plane = p.ho * p.wo;
  let ncols = p.cg * khw;

  // gy channel-plane offsets of this invocation's output channels.
  var gyOff: array<u32, MAXT>;
  for (var r = 0u; r < TM; r++) { gyOff[r] = (g * p.og + min(row0 + r, p.og - 1u)) * plane; }

  // Per weight column (c, ki, kj): the input channel plane and the tap's offsets. [lo, hi) are
  // the output columns ow at which every column of this invocation reads inside the input row
  // (0 <= ow*sw + woff < W): there the loads need no bounds checks.
  var xChan: array<u32, MAXT>;
  var hoff: array<i32, MAXT>;
  var woff: array<i32, MAXT>;
  let sw = i32(p.sw);
  var lo = 0;
  var hi = i32(p.wo);
  for (var c = 0u; c < TN; c++) {
    let col = min(col0 + c, ncols - 1u);
    let tap = col % khw;
    xChan[c] = (g * p.cg + col / khw) * hw;
    hoff[c] = i32((tap / p.kw) * p.dh) - p.ph;
    woff[c] = i32((tap % p.kw) * p.dw) - p.pw;
    lo = max(lo, (max(-woff[c], 0) + sw - 1) / sw);
    hi = min(hi, (i32(p.w) - 1 - woff[c] + sw) / sw); // floor((W-1-woff)/sw) + 1, or <= 0 if none
  }
  lo = min(lo, i32(p.wo));
  hi = max(hi, lo);

  var acc: array<f32, MAXT * MAXT>;
  var safe: array<u32, MAXT>;
  var rb: array<u32, MAXT>;
  var rowOk: array<bool, MAXT>;
  var ad: array<u32, MAXT>;
  var av: array<f32, MAXT>;
  var bv: array<f32, MAXT>;
  let nrows = p.n * p.ho;
  let r0 = split * p.rowsPerSplit;
  let r1 = min(r0 + p.rowsPerSplit, nrows);
  for (var row = r0; row < r1; row++) {
    let b = row / p.ho;
    let oh = row % p.ho;
    let gyRow = b * p.o * plane + oh * p.wo;
    let xImg = b * p.c * hw;
    var allOk = true;
    for (var c = 0u; c < TN; c++) {
      let ih = i32(oh * p.sh) + hoff[c];
      rowOk[c] = u32(ih) < p.h;
      allOk = allOk && rowOk[c];
      safe[c] = xImg + xChan[c];
      rb[c] = select(safe[c], safe[c] + u32(ih) * p.w, rowOk[c]);
    }
    // Unchecked middle of the row (only when every column's input row exists).
    let mlo = select(0, lo, allOk);
    let mhi = select(0, hi, allOk);
    for (var c = 0u; c < TN; c++) { ad[c] = rb[c] + u32(mlo * sw + woff[c]); }
    for (var ow = u32(mlo); ow < u32(mhi); ow++) {
      for (var r = 0u; r < TM; r++) { av[r] = gy[gyOff[r] + gyRow + ow]; }
      for (var c = 0u; c < TN; c++) { bv[c] = x[ad[c]]; ad[c] += p.sw; }
      for (var r = 0u; r < TM; r++) {
        for (var c = 0u; c < TN; c++) {
          acc[r * MAXT + c] = fma(av[r], bv[c], acc[r * MAXT + c]);
        }
      }
    }
    // Checked rest: ow in [0, mlo) and [mhi, Wo).
    let nChecked = u32(mlo) + p.wo - u32(mhi);
    for (var k = 0u; k < nChecked; k++) {
      let ow = select(k, k - u32(mlo) + u32(mhi), k >= u32(mlo));
      for (var r = 0u; r < TM; r++) { av[r] = gy[gyOff[r] + gyRow + ow]; }
      for (var c = 0u; c < TN; c++) {
        let iw = i32(ow) * sw + woff[c];
        let okc = rowOk[c] && u32(iw) < p.w;
        bv[c] = select(0.0, x[select(safe[c], rb[c] + u32(iw), okc)], okc);
      }
      for (var r = 0u; r < TM; r++) {
        for (var c = 0u; c < TN; c++) {
          acc[r * MAXT + c] = fma(av[r], bv[c], acc[r * MAXT + c]);
        }
      }
    }
  }

  let base = split * p.o * ncols;
  for (var r = 0u; r < TM; r++) {
    let m = row0 + r;
    if (m >= p.og) { break; }
    for (var c = 0u; c < TN; c++) {
      let col = col0 + c;
      if (col >= ncols) { break; }
      out[base + (g * p.og + m) * ncols + col] = acc[r * MAXT + c];
    }
  }
}

// out[i] = sum_s partial[s * total + i] (the chunks of `backWeight`, added in order).
@compute @workgroup_size(WG)
fn sumPartials(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.total) { return; }
  var s = 0.0;
  for (var k = 0u; k < p.splits; k++) { s += partial[k * p.total + i]; }
  out[i] = s;
}
