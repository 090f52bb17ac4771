// Complex arithmetic, twiddles and the radix-2/3/4/5 butterflies of the Stockham FFT, shared
// through `//!include fft_math` by shaders/fft.wgsl, shaders/stft_mel.wgsl and shaders/stft_mel_gen.wgsl.
// The including shader defines the twiddle table `tw: array<vec2<f32>>` with
// tw[m] = (cos(2 pi m / n), sin(2 pi m / n)) (see shaders/fft.wgsl).

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}
fn conj(a: vec2<f32>) -> vec2<f32> { return vec2<f32>(a.x, -a.y); }
// i * a
fn mulI(a: vec2<f32>) -> vec2<f32> { return vec2<f32>(-a.y, a.x); }
// e^(s 2 pi i m / n), m < n.
fn twiddle(m: u32, s: f32) -> vec2<f32> {
  let t = tw[m];
  return vec2<f32>(t.x, s * t.y);
}

// ---- radix DFTs: y[q] = sum_r v[r] e^(s 2 pi i r q / R) -------------------------------------

const C3 = 0.8660254037844386;   // sin(2 pi / 3)
const C5A = 0.30901699437494745; // cos(2 pi / 5)
const C5B = -0.8090169943749475; // cos(4 pi / 5)
const S5A = 0.9510565162951535;  // sin(2 pi / 5)
const S5B = 0.5877852522924731;  // sin(4 pi / 5)

fn dft3(v0: vec2<f32>, v1: vec2<f32>, v2: vec2<f32>, s: f32) -> array<vec2<f32>, 3> {
  let t = v1 + v2;
  let d = mulI(v1 - v2) * (s * C3);
  let a = v0 - 0.5 * t;
  return array<vec2<f32>, 3>(v0 + t, a + d, a - d);
}

fn dft4(v0: vec2<f32>, v1: vec2<f32>, v2: vec2<f32>, v3: vec2<f32>, s: f32) -> array<vec2<f32>, 4> {
  let a0 = v0 + v2;
  let a1 = v0 - v2;
  let b0 = v1 + v3;
  let b1 = mulI(v1 - v3) * s;
  return array<vec2<f32>, 4>(a0 + b0, a1 + b1, a0 - b0, a1 - b1);
}

fn dft5(v0: vec2<f32>, v1: vec2<f32>, v2: vec2<f32>, v3: vec2<f32>, v4: vec2<f32>, s: f32) -> array<vec2<f32>, 5> {
  let t1 = v1 + v4;
  let t2 = v2 + v3;
  let d1 = v1 - v4;
  let d2 = v2 - v3;
  let a1 = v0 + C5A * t1 + C5B * t2;
  let a2 = v0 + C5B * t1 + C5A * t2;
  let b1 = mulI(S5A * d1 + S5B * d2) * s;
  let b2 = mulI(S5B * d1 - S5A * d2) * s;
  return array<vec2<f32>, 5>(v0 + t1 + t2, a1 + b1, a2 + b2, a2 - b2, a1 - b1);
}

const C8 = 0.7071067811865476; // cos(pi / 4)

// Radix 8 as two radix-4 DFTs (even and odd inputs) and one more butterfly level.
fn dft8(v0: vec2<f32>, v1: vec2<f32>, v2: vec2<f32>, v3: vec2<f32>, v4: vec2<f32>, v5: vec2<f32>, v6: vec2<f32>, v7: vec2<f32>,
  s: f32) -> array<vec2<f32>, 8> {
  let e = dft4(v0, v2, v4, v6, s);
  let o = dft4(v1, v3, v5, v7, s);
  // o[q] * e^(s 2 pi i q / 8)
  let o1 = cmul(o[1], vec2<f32>(C8, s * C8));
  let o2 = mulI(o[2]) * s;
  let o3 = cmul(o[3], vec2<f32>(-C8, s * C8));
  return array<vec2<f32>, 8>(e[0] + o[0], e[1] + o1, e[2] + o2, e[3] + o3, e[0] - o[0], e[1] - o1, e[2] - o2, e[3] - o3);
}
