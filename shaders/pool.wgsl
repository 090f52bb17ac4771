// Pooling kernels on NCHW planes (see src/kernels/pool.ts and the CPU reference
// src/engine/cpu/pool.ts for the semantics, which are PyTorch's).
//
// x is viewed as `planes` (N * C) planes of H x W, the pooled output as planes of OH x OW. The
// forwards run one invocation per output element (maxPool: per OPT outputs of a row;
// maxPoolTiled: per output, a workgroup per ROWS rows); the
// backwards one per INPUT element, each gathering the few output windows that contain it (no
// float atomics in WGSL, and the result is deterministic).

struct Params {
  // Invocations: outputs (forwards; maxPool: row segments of OPT outputs) or inputs (backwards).
  n: u32,
  H: u32,
  W: u32,
  OH: u32,
  OW: u32,
  kH: i32,
  kW: i32,
  sH: i32,
  sW: i32,
  pH: i32,
  pW: i32,
  dH: i32,
  dW: i32,
  // avgPool: 1 to divide by the window clipped to the padded input, 0 by its in-bounds part.
  includePad: u32,
  // -inf (a uniform: WGSL const-expressions cannot hold infinities).
  negInf: f32,
  // Always 0 (see kadd).
  zero: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> outIdx: array<i32>;
@group(0) @binding(4) var<storage, read> gy: array<f32>;
@group(0) @binding(5) var<storage, read> idx: array<i32>;

override WG: u32 = 64;

//!include nan
// kadd: Kahan-compensated running sum (uses p.zero).
//!include kahan

fn ceilDiv(a: i32, b: i32) -> i32 {
  return (a + b - 1) / b;
}

// [k0, k1): the taps k of a window starting at s (stride d, k taps) whose position s + k*d lies in
// [0, size).
fn inRange(s: i32, k: i32, d: i32, size: i32) -> vec2i {
  var k0 = 0;
  if (s < 0) { k0 = ceilDiv(-s, d); }
  var k1 = 0;
  if (size > s) { k1 = min(k, ceilDiv(size - s, d)); }
  return vec2i(k0, max(k0, k1));
}

// Taps of a window starting at s inside [-pad, size + pad) (PyTorch's count_include_pad factor).
fn paddedCount(s: i32, k: i32, d: i32, size: i32, pad: i32) -> i32 {
  if (size + pad <= s) { return 0; }
  return min(k, ceilDiv(size + pad - s, d));
}

// (plane, oh, ow) of output element i.
fn outPos(i: u32) -> vec3u {
  let per = p.OH * p.OW;
  let r = i % per;
  return vec3u(i / per, r / p.OW, r % p.OW);
}

// (plane, ih, iw) of input element i.
fn inPos(i: u32) -> vec3u {
  let per = p.H * p.W;
  let r = i % per;
  return vec3u(i / per, r / p.W, r % p.W);
}

// out, outIdx [planes, OH, OW]: PyTorch's max pooling. The loop runs over the in-bounds taps
// starting from (-inf, first in-bounds position); a tap replaces the running maximum when it is
// greater or NaN (so ties keep the first, and the last NaN wins, as in PyTorch).
// Each invocation computes OPT consecutive outputs of one row (p.n counts these row segments):
// on lavapipe integer division is scalarised per lane, and dividing the index once per segment
// instead of once per output runs the genre CNN's pool1 about 1.3 to 1.5 times as fast (OPT 8 against 1).
override OPT: u32 = 8;

@compute @workgroup_size(WG)
fn maxPool(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let segs = (p.OW + OPT - 1u) / OPT;
  let row = i / segs;
  let ow0 = (i - row * segs) * OPT;
  let oh = row % p.OH;
  let base = (row / p.OH) * p.H * p.W;
  let H = i32(p.H);
  let W = i32(p.W);
  var h0 = i32(oh) * p.sH - p.pH;
  let h1 = min(h0 + (p.kH - 1) * p.dH + 1, H);
  if (h0 < 0) { h0 += ceilDiv(-h0, p.dH) * p.dH; }
  for (var j = 0u; j < OPT; j++) {
    let ow = ow0 + j;
    if (ow >= p.OW) { break; }
    var w0 = i32(ow) * p.sW - p.pW;
    let w1 = min(w0 + (p.kW - 1) * p.dW + 1, W);
    if (w0 < 0) { w0 += ceilDiv(-w0, p.dW) * p.dW; }
    var best = p.negInf;
    // An all-padding window: -inf with index -1 (see src/engine/cpu/pool.ts).
    var bestIdx = select(-1, h0 * W + w0, h0 < h1 && w0 < w1);
    var bestNan = false;
    for (var h = h0; h < h1; h += p.dH) {
      for (var w = w0; w < w1; w += p.dW) {
        let k = h * W + w;
        let v = x[base + u32(k)];
        let vn = isNan(v);
        if (vn || (!bestNan && v > best)) {
          best = v;
          bestIdx = k;
          bestNan = vn;
        }
      }
    }
    let o = row * p.OW + ow;
    out[o] = best;
    outIdx[o] = bestIdx;
  }
}

// The forward for windows that tile the input inside it (stride = kernel, dilation 1, padding 0,
// every window in bounds: floor mode, the usual 2x2 pooling of a CNN): taps unrolled from the
// override constants KH x KW, no bounds, no divisions per lane. Each workgroup of TW lanes
// (TW = one SIMD vector of lavapipe) takes ROWS output rows (p.n counts all rows, planes * OH), so
// the row's position is uniform and computed once per workgroup; its lanes walk the row's outputs
// ow = lid, lid + TW, ..., so neighbouring lanes read neighbouring windows. Same rule as maxPool:
// a tap replaces the running maximum when greater or NaN, first tap as the start (an all -inf
// window keeps the first tap's index, as maxPool starting from -inf does). On the genre CNN's
// pools it takes about half maxPool's time (bench/diag/maxpool.mjs, round-robin on lavapipe).
override KH: u32 = 2;
override KW: u32 = 2;
override TW: u32 = 8;
override ROWS: u32 = 8;

struct TapMax {
  v: f32,
  // Flat index h * W + w in the plane.
  i: u32,
}

// The maximum of the window whose top-left tap is x[xrow + c] (at plane position pos + c).
fn tiledWindowMax(xrow: u32, pos: u32, c: u32) -> TapMax {
  var best = x[xrow + c];
  var bestIdx = pos + c;
  var bestNan = isNan(best);
  for (var a = 0u; a < KH; a++) {
    for (var b = 0u; b < KW; b++) {
      if (a + b == 0u) { continue; }
      let k = a * p.W + c + b;
      let v = x[xrow + k];
      let vn = isNan(v);
      let take = vn || (!bestNan && v > best);
      best = select(best, v, take);
      bestIdx = select(bestIdx, pos + k, take);
      bestNan = bestNan || vn;
    }
  }
  return TapMax(best, bestIdx);
}

@compute @workgroup_size(TW)
fn maxPoolTiled(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r0 = (wid.x + wid.y * nwg.x) * ROWS;
  for (var r = 0u; r < ROWS; r++) {
    let row = r0 + r;
    if (row >= p.n) { break; }
    let oh = row % p.OH;
    let pos = oh * KH * p.W;
    let xrow = (row / p.OH) * p.H * p.W + pos;
    let orow = row * p.OW;
    for (var ow = lid; ow < p.OW; ow += TW) {
      let m = tiledWindowMax(xrow, pos, ow * KW);
      out[orow + ow] = m.v;
      outIdx[orow + ow] = i32(m.i);
    }
  }
}

// out [planes, H, W]: sum of gy over the windows that contain the element and chose it.
@compute @workgroup_size(WG)
fn maxPoolBackward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let q = inPos(i);
  let ih = i32(q.y);
  let iw = i32(q.z);
  let want = ih * i32(p.W) + iw;
  let gbase = q.x * p.OH * p.OW;
  var s = 0.0;
  // Taps from last to first: the windows come in increasing (oh, ow) order, as the CPU adds them.
  for (var a = p.kH - 1; a >= 0; a--) {
    let th = ih + p.pH - a * p.dH;
    if (th < 0 || th % p.sH != 0 || th / p.sH >= i32(p.OH)) { continue; }
    let row = gbase + u32(th / p.sH) * p.OW;
    for (var b = p.kW - 1; b >= 0; b--) {
      let tw = iw + p.pW - b * p.dW;
      if (tw < 0 || tw % p.sW != 0 || tw / p.sW >= i32(p.OW)) { continue; }
      let o = row + u32(tw / p.sW);
      if (idx[o] == want) { s += gy[o]; }
    }
  }
  out[i] = s;
}

// The same for windows that tile the input without overlap, gaps or padding (stride = kernel,
// dilation 1, padding 0: the usual 2x2 pooling of a CNN). Input (ih, iw) then lies in at most one
// window, (ih / kH, iw / kW), so no taps are searched: each invocation writes OPT * kW consecutive
// inputs of one row (p.n counts these row segments), reading each window's argmax and gradient
// once; inputs in no window (a last odd row or column) get 0. Sums of one term: exact, as the CPU.
@compute @workgroup_size(WG)
fn maxPoolBackwardTiled(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let kH = u32(p.kH);
  let kW = u32(p.kW);
  let segs = (p.W + OPT * kW - 1u) / (OPT * kW);
  let row = i / segs;
  let seg = i - row * segs;
  let ih = row % p.H;
  let oh = ih / kH;
  let rowOk = oh < p.OH;
  let obase = ((row / p.H) * p.OH + min(oh, p.OH - 1u)) * p.OW;
  let xbase = row * p.W;
  let rowPos = i32(ih * p.W);
  for (var j = 0u; j < OPT; j++) {
    let ow = seg * OPT + j;
    let iw0 = ow * kW;
    if (iw0 >= p.W) { break; }
    let o = obase + min(ow, p.OW - 1u);
    let want = select(-1, idx[o] - rowPos, rowOk && ow < p.OW);
    let g = gy[o];
    for (var b = 0u; b < kW; b++) {
      let iw = iw0 + b;
      if (iw >= p.W) { break; }
      out[xbase + iw] = select(0.0, g, want == i32(iw));
    }
  }
}

// maxPoolBackwardTiled laid out as maxPoolTiled, for the same geometry (windows that tile the
// input inside it): each workgroup of TW lanes takes ROWS output rows (p.n counts planes * OH),
// so no lane divides; a lane reads a window's argmax and gradient once and writes its KH x KW
// inputs (the gradient at the argmax, 0 elsewhere). Inputs in no window (the last W - OW * KW
// columns of each window row, and the last H - OH * KH rows of a plane, written by the workgroup
// of the plane's last output row) get 0. Sums of one term: exact, as the CPU.
@compute @workgroup_size(TW)
fn maxPoolBackwardTiledRows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r0 = (wid.x + wid.y * nwg.x) * ROWS;
  for (var r = 0u; r < ROWS; r++) {
    let row = r0 + r;
    if (row >= p.n) { break; }
    let oh = row % p.OH;
    let plane = row / p.OH;
    let pos = oh * KH * p.W;
    let xrow = plane * p.H * p.W + pos;
    let orow = row * p.OW;
    for (var ow = lid; ow < p.OW; ow += TW) {
      // The argmax relative to the window row's start.
      let want = idx[orow + ow] - i32(pos);
      let g = gy[orow + ow];
      let c = ow * KW;
      for (var a = 0u; a < KH; a++) {
        for (var b = 0u; b < KW; b++) {
          let k = a * p.W + c + b;
          out[xrow + k] = select(0.0, g, want == i32(k));
        }
      }
    }
    for (var iw = p.OW * KW + lid; iw < p.W; iw += TW) {
      for (var a = 0u; a < KH; a++) {
        out[xrow + a * p.W + iw] = 0.0;
      }
    }
    if (oh == p.OH - 1u) {
      let tail = xrow + KH * p.W;
      let count = (p.H - p.OH * KH) * p.W;
      for (var k = lid; k < count; k += TW) {
        out[tail + k] = 0.0;
      }
    }
  }
}

// Divisor of the average window starting at (hs, ws); 0 when it holds no in-bounds tap.
fn avgDivisor(hs: i32, ws: i32) -> f32 {
  let H = i32(p.H);
  let W = i32(p.W);
  let rh = inRange(hs, p.kH, p.dH, H);
  let rw = inRange(ws, p.kW, p.dW, W);
  let inCount = (rh.y - rh.x) * (rw.y - rw.x);
  if (inCount == 0 || p.includePad == 0u) { return f32(inCount); }
  return f32(paddedCount(hs, p.kH, p.dH, H, p.pH) * paddedCount(ws, p.kW, p.dW, W, p.pW));
}

// out [planes, OH, OW]: mean over the window (zero padding), PyTorch's divisor.
@compute @workgroup_size(WG)
fn avgPool(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let q = outPos(i);
  let H = i32(p.H);
  let W = i32(p.W);
  let hs = i32(q.y) * p.sH - p.pH;
  let ws = i32(q.z) * p.sW - p.pW;
  let rh = inRange(hs, p.kH, p.dH, H);
  let rw = inRange(ws, p.kW, p.dW, W);
  let div = avgDivisor(hs, ws);
  if (div == 0.0) {
    out[i] = 0.0;
    return;
  }
  let base = i32(q.x * p.H * p.W);
  var s = vec2f(0.0);
  for (var a = rh.x; a < rh.y; a++) {
    let row = base + (hs + a * p.dH) * W + ws;
    for (var b = rw.x; b < rw.y; b++) {
      s = kadd(s, x[u32(row + b * p.dW)]);
    }
  }
  out[i] = (s.x - s.y) / div;
}

// out [planes, H, W]: sum of gy / divisor over the windows that contain the element.
@compute @workgroup_size(WG)
fn avgPoolBackward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let q = inPos(i);
  let ih = i32(q.y);
  let iw = i32(q.z);
  let gbase = q.x * p.OH * p.OW;
  var s = vec2f(0.0);
  for (var a = p.kH - 1; a >= 0; a--) {
    let th = ih + p.pH - a * p.dH;
    if (th < 0 || th % p.sH != 0 || th / p.sH >= i32(p.OH)) { continue; }
    let oh = th / p.sH;
    let row = gbase + u32(oh) * p.OW;
    for (var b = p.kW - 1; b >= 0; b--) {
      let tw = iw + p.pW - b * p.dW;
      if (tw < 0 || tw % p.sW != 0 || tw / p.sW >= i32(p.OW)) { continue; }
      let ow = tw / p.sW;
      // The window contains this in-bounds element, so its divisor is not 0.
      s = kadd(s, gy[row + u32(ow)] / avgDivisor(oh * p.sH - p.pH, ow * p.sW - p.pW));
    }
  }
  out[i] = s.x - s.y;
}

// Adaptive window [start, end) of output i of n over an axis of `size`: [floor(i*size/n), ceil((i+1)*size/n)).
fn adaptiveWindow(i: u32, n: u32, size: u32) -> vec2u {
  return vec2u((i * size) / n, ((i + 1u) * size + n - 1u) / n);
}

// out [planes, OH, OW]: mean over the adaptive window.
@compute @workgroup_size(WG)
fn adaptiveAvg(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let q = outPos(i);
  let wh = adaptiveWindow(q.y, p.OH, p.H);
  let ww = adaptiveWindow(q.z, p.OW, p.W);
  let base = q.x * p.H * p.W;
  var s = vec2f(0.0);
  for (var h = wh.x; h < wh.y; h++) {
    for (var w = ww.x; w < ww.y; w++) {
      s = kadd(s, x[base + h * p.W + w]);
    }
  }
  out[i] = (s.x - s.y) / f32((wh.y - wh.x) * (ww.y - ww.x));
}

// out [planes, H, W]: sum of gy / window size over the adaptive windows that contain the element.
// Window o contains i iff floor(o*size/n) <= i < ceil((o+1)*size/n), which holds only for o in
// [floor(i*n/size), ceil((i+1)*n/size)); each candidate is still checked.
@compute @workgroup_size(WG)
fn adaptiveAvgBackward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let q = inPos(i);
  let rh = vec2u((q.y * p.OH) / p.H, ((q.y + 1u) * p.OH + p.H - 1u) / p.H);
  let rw = vec2u((q.z * p.OW) / p.W, ((q.z + 1u) * p.OW + p.W - 1u) / p.W);
  let gbase = q.x * p.OH * p.OW;
  var s = vec2f(0.0);
  for (var oh = rh.x; oh < rh.y; oh++) {
    let wh = adaptiveWindow(oh, p.OH, p.H);
    if (q.y < wh.x || q.y >= wh.y) { continue; }
    for (var ow = rw.x; ow < rw.y; ow++) {
      let ww = adaptiveWindow(ow, p.OW, p.W);
      if (q.z < ww.x || q.z >= ww.y) { continue; }
      s = kadd(s, gy[gbase + oh * p.OW + ow] / f32((wh.y - wh.x) * (ww.y - ww.x)));
    }
  }
  out[i] = s.x - s.y;
}
