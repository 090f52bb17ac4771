// Real DFTs for the audio front end (see src/kernels/fft.ts): a mixed-radix Stockham FFT
// (radix 2, 3, 4, 5 butterflies, any other factor by a direct sum) over rows of complex values,
// with real-input packing around it:
//
//   rfft (forward, sign -1):  x [rows, n] real (times an optional window [n])
//                             → pack → radix passes → unpack → re, im [rows, bins]
//   rfftAdjoint (sign +1):    re, im [rows, bins] → pack (Hermitian part) → radix passes
//                             → unpack → y [rows, n] (times the optional window)
//
// For even n (HALF) a row is transformed as L = n/2 complex values z[t] = x[2t] + i x[2t+1] (the
// standard real FFT of half length; rows are never mixed, so a silent frame stays exactly silent
// next to a loud one). For odd n, L = n and the imaginary parts are zero.
//
// Twiddles come from a table tw[m] = (cos(2 pi m / n), sin(2 pi m / n)), m < n, computed in float64
// on the host: no sin/cos in the shader. e^(s 2 pi i m / n) = (tw[m].x, s * tw[m].y).
//
// Stockham pass of radix R (Ns = product of the radices already applied, m = L / R), butterfly
// j < m: k = j % Ns; v[r] = src[j + r m] e^(s 2 pi i k r / (Ns R)); v = DFT_R(v);
// dst[(j - k) R + k + q Ns] = v[q]. After the last pass a row holds its DFT in natural order.
//
// Two implementations of the same algorithm:
// - `rowsForward` / `rowsAdjoint`: one workgroup per row, the whole transform in workgroup memory
//   (two arrays of L values), one dispatch. The length, radices and layout are pipeline constants,
//   so every index division is by a constant. Used when 2 L values fit the workgroup storage.
// - `packReal` / `packSpectrum` / `radixPass` / `unpackSpectrum` / `unpackReal`: one dispatch
//   per step through global memory, for longer rows.

struct Params {
  rows: u32,
  // Real length and complex (FFT) length.
  n: u32,
  cl: u32,
  bins: u32,
  // radixPass: product of earlier radices, L / R, the radix (generic pass), and the table step of
  // one unit of angle 2 pi / L (n / L: 2 for HALF, 1 otherwise).
  ns: u32,
  m: u32,
  radix: u32,
  twStep: u32,
  // -1.0 (forward) or +1.0 (inverse).
  sign: f32,
  // Invocations of this dispatch.
  total: u32,
  // Bit 0: multiply by the window `win`; bit 1 (forward): write re^2 + im^2 to outRe only.
  flags: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> tw: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read> gre: array<f32>;
@group(0) @binding(6) var<storage, read> gim: array<f32>;
@group(0) @binding(7) var<storage, read_write> outRe: array<f32>;
@group(0) @binding(8) var<storage, read_write> outIm: array<f32>;
// The window [n] (bound to some other buffer and not read without flag bit 0).
@group(0) @binding(9) var<storage, read> win: array<f32>;

override WG: u32 = 64;
// radixPass: 2, 3, 4, 5, or 0 for the generic direct sum over p.radix inputs.
override R: u32 = 4;
// n even: transform n/2 packed values (see the header).
override HALF: bool = true;

//!include fft_math

fn flatIndex(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

//!include fft_rows

fn windowAt(j: u32) -> f32 {
  if ((p.flags & 1u) != 0u) { return win[j]; }
  return 1.0;
}
fn powerOnly() -> bool { return (p.flags & 2u) != 0u; }

// x [rows, n] (times the window) → re, im [rows, bins].
@compute @workgroup_size(WGS)
fn rowsForward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let xo = row * NREAL;
  for (var t = lid; t < p.cl; t += WGS) {
    if (HALF) {
      let j = 2u * t;
      wa[t] = vec2<f32>(x[xo + j] * windowAt(j), x[xo + j + 1u] * windowAt(j + 1u));
    } else {
      wa[t] = vec2<f32>(x[xo + t] * windowAt(t), 0.0);
    }
  }
  allStages(-1.0, lid);
  let oo = row * p.bins;
  for (var k = lid; k < p.bins; k += WGS) {
    var v: vec2<f32>;
    if (HALF) {
      // E[k] = (Z[k] + conj Z[-k]) / 2, O[k] = -i (Z[k] - conj Z[-k]) / 2, X[k] = E + e^(-2 pi i k / n) O.
      let kk = k % LEN;
      let a = wload(FINAL_A, kk);
      let b = conj(wload(FINAL_A, (LEN - kk) % LEN));
      let d = 0.5 * (a - b);
      v = 0.5 * (a + b) + cmul(vec2<f32>(d.y, -d.x), twiddle(k, -1.0));
    } else {
      v = wload(FINAL_A, k);
    }
    if (powerOnly()) {
      outRe[oo + k] = dot(v, v);
    } else {
      outRe[oo + k] = v.x;
      outIm[oo + k] = v.y;
    }
  }
}

// The half spectrum G [rows, bins] (zero past bins) at bin k < n.
fn spec(row: u32, k: u32) -> vec2<f32> {
  let o = row * p.bins + min(k, p.bins - 1u);
  return select(vec2<f32>(0.0), vec2<f32>(gre[o], gim[o]), k < p.bins);
}

// Its Hermitian part H[k] = (G[k] + conj(G[-k])) / 2 (length nn): the real part of the inverse
// DFT of G is the inverse DFT of H, which is real.
fn herm(row: u32, k: u32, nn: u32) -> vec2<f32> {
  return 0.5 * (spec(row, k) + conj(spec(row, (nn - k) % nn)));
}

// The packed spectrum Z[k], k < L, whose inverse FFT of length L is y (HALF: y[2t] + i y[2t+1]):
// E[k] = H[k] + H[k + L], O[k] = (H[k] - H[k + L]) e^(2 pi i k / n), Z = E + i O.
fn packedSpectrum(row: u32, k: u32, nn: u32, ll: u32) -> vec2<f32> {
  if (HALF) {
    let a = herm(row, k, nn);
    let b = herm(row, k + ll, nn);
    return (a + b) + mulI(cmul(a - b, twiddle(k, 1.0)));
  }
  return herm(row, k, nn);
}

// re, im [rows, bins] → y [rows, n] (times the window).
@compute @workgroup_size(WGS)
fn rowsAdjoint(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  for (var k = lid; k < p.cl; k += WGS) { wa[k] = packedSpectrum(row, k, NREAL, LEN); }
  allStages(1.0, lid);
  let yo = row * NREAL;
  for (var j = lid; j < p.n; j += WGS) {
    var v: f32;
    if (HALF) {
      let z = wload(FINAL_A, j / 2u);
      v = select(z.x, z.y, (j & 1u) == 1u);
    } else {
      v = wload(FINAL_A, j).x;
    }
    outRe[yo + j] = v * windowAt(j);
  }
}

// ==== one dispatch per step, through global memory ===========================================

// dst [rows, L] from real rows x [rows, n] (times the window).
@compute @workgroup_size(WG)
fn packReal(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.total) { return; }
  let row = i / p.cl;
  let t = i % p.cl;
  if (HALF) {
    let j = 2u * t;
    let o = row * p.n + j;
    dst[i] = vec2<f32>(x[o] * windowAt(j), x[o + 1u] * windowAt(j + 1u));
  } else {
    dst[i] = vec2<f32>(x[row * p.n + t] * windowAt(t), 0.0);
  }
}

// dst [rows, L]: the packed spectrum (see packedSpectrum).
@compute @workgroup_size(WG)
fn packSpectrum(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.total) { return; }
  dst[i] = packedSpectrum(i / p.cl, i % p.cl, p.n, p.cl);
}

// re, im [rows, bins] from the forward FFT src [rows, L] (see rowsForward).
@compute @workgroup_size(WG)
fn unpackSpectrum(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.total) { return; }
  let row = i / p.bins;
  let k = i % p.bins;
  let base = row * p.cl;
  var v: vec2<f32>;
  if (HALF) {
    let kk = k % p.cl;
    let a = src[base + kk];
    let b = conj(src[base + (p.cl - kk) % p.cl]);
    let d = 0.5 * (a - b);
    v = 0.5 * (a + b) + cmul(vec2<f32>(d.y, -d.x), twiddle(k, -1.0));
  } else {
    v = src[base + k];
  }
  if (powerOnly()) {
    outRe[i] = dot(v, v);
  } else {
    outRe[i] = v.x;
    outIm[i] = v.y;
  }
}

// y [rows, n] from the inverse FFT src [rows, L] (times the window).
@compute @workgroup_size(WG)
fn unpackReal(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.total) { return; }
  let row = i / p.n;
  let j = i % p.n;
  var v: f32;
  if (HALF) {
    let z = src[row * p.cl + j / 2u];
    v = select(z.x, z.y, (j & 1u) == 1u);
  } else {
    v = src[row * p.cl + j].x;
  }
  outRe[i] = v * windowAt(j);
}

// One radix-R pass over every row: invocation i is butterfly j = i % m of row i / m.
@compute @workgroup_size(WG)
fn radixPass(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.total) { return; }
  let m = p.m;
  let ns = p.ns;
  let row = i / m;
  let j = i % m;
  let base = row * p.cl;
  let k = j % ns;
  let ts = k * (m / ns) * p.twStep;
  let rad = select(R, p.radix, R == 0u);
  let o = base + (j - k) * rad + k;
  let s = p.sign;
  let b = base + j;
  if (R == 2u) {
    let v0 = src[b];
    let v1 = cmul(src[b + m], twiddle(ts, s));
    dst[o] = v0 + v1;
    dst[o + ns] = v0 - v1;
  } else if (R == 3u) {
    let y = dft3(src[b], cmul(src[b + m], twiddle(ts, s)), cmul(src[b + 2u * m], twiddle(2u * ts, s)), s);
    for (var q = 0u; q < 3u; q++) { dst[o + q * ns] = y[q]; }
  } else if (R == 4u) {
    let y = dft4(src[b], cmul(src[b + m], twiddle(ts, s)), cmul(src[b + 2u * m], twiddle(2u * ts, s)), cmul(src[b + 3u * m], twiddle(3u * ts, s)), s);
    for (var q = 0u; q < 4u; q++) { dst[o + q * ns] = y[q]; }
  } else if (R == 5u) {
    let y = dft5(src[b], cmul(src[b + m], twiddle(ts, s)), cmul(src[b + 2u * m], twiddle(2u * ts, s)), cmul(src[b + 3u * m], twiddle(3u * ts, s)),
      cmul(src[b + 4u * m], twiddle(4u * ts, s)), s);
    for (var q = 0u; q < 5u; q++) { dst[o + q * ns] = y[q]; }
  } else {
    let unit = m * p.twStep;
    for (var q = 0u; q < rad; q++) {
      var acc = vec2<f32>(0.0);
      for (var r = 0u; r < rad; r++) {
        let v = cmul(src[b + r * m], twiddle(r * ts, s));
        acc += cmul(v, twiddle(((r * q) % rad) * unit, s));
      }
      dst[o + q * ns] = acc;
    }
  }
}
