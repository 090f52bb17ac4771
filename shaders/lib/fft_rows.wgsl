// The one-workgroup-per-row Stockham FFT in workgroup memory (see shaders/fft.wgsl), shared
// through `//!include fft_rows` by shaders/fft.wgsl and shaders/stft_mel.wgsl. The including
// shader defines a uniform `p` whose field `cl` equals LEN (loop bounds the compiler cannot
// unroll) and the twiddle table `tw`; a row is loaded into `wa`, `allStages` runs every pass,
// and the transform ends in `wa` when FINAL_A, else in `wb`.
//!include fft_math

// ==== one workgroup per row, in workgroup memory ============================================

// Complex length L, real length n, the radices of the passes (0: no pass), the products of the
// radices before each pass, n / L, and where the result ends (true: in wa).
override LEN: u32 = 1;
override NREAL: u32 = 1;
override R0: u32 = 0;
override R1: u32 = 0;
override R2: u32 = 0;
override R3: u32 = 0;
override R4: u32 = 0;
override R5: u32 = 0;
override R6: u32 = 0;
override NS1: u32 = 1;
override NS2: u32 = 1;
override NS3: u32 = 1;
override NS4: u32 = 1;
override NS5: u32 = 1;
override NS6: u32 = 1;
override TWSTEP: u32 = 1;
override FINAL_A: bool = true;
override WGS: u32 = 64;

var<workgroup> wa: array<vec2<f32>, LEN>;
var<workgroup> wb: array<vec2<f32>, LEN>;

fn wload(fromA: bool, i: u32) -> vec2<f32> {
  if (fromA) { return wa[i]; }
  return wb[i];
}
fn wstore(toA: bool, i: u32, v: vec2<f32>) {
  if (toA) { wa[i] = v; } else { wb[i] = v; }
}

// One Stockham pass of radix r over the row in workgroup memory (from wa when fromA, else wb).
fn stage(r: u32, ns: u32, fromA: bool, s: f32, lid: u32) {
  let m = LEN / r;
  let step = (m / ns) * TWSTEP;
  let toA = !fromA;
  // The loop bound comes from the uniform (p.cl == LEN) so that the compiler does not unroll
  // the loop: fully unrolled row kernels took seconds to compile on lavapipe.
  let mEnd = p.cl / r;
  for (var j = lid; j < mEnd; j += WGS) {
    let k = j % ns;
    let ts = k * step;
    let o = (j - k) * r + k;
    if (r == 2u) {
      let v0 = wload(fromA, j);
      let v1 = cmul(wload(fromA, j + m), twiddle(ts, s));
      wstore(toA, o, v0 + v1);
      wstore(toA, o + ns, v0 - v1);
    } else if (r == 3u) {
      let y = dft3(wload(fromA, j), cmul(wload(fromA, j + m), twiddle(ts, s)), cmul(wload(fromA, j + 2u * m), twiddle(2u * ts, s)), s);
      for (var q = 0u; q < 3u; q++) { wstore(toA, o + q * ns, y[q]); }
    } else if (r == 4u) {
      let y = dft4(wload(fromA, j), cmul(wload(fromA, j + m), twiddle(ts, s)), cmul(wload(fromA, j + 2u * m), twiddle(2u * ts, s)),
        cmul(wload(fromA, j + 3u * m), twiddle(3u * ts, s)), s);
      for (var q = 0u; q < 4u; q++) { wstore(toA, o + q * ns, y[q]); }
    } else if (r == 5u) {
      let y = dft5(wload(fromA, j), cmul(wload(fromA, j + m), twiddle(ts, s)), cmul(wload(fromA, j + 2u * m), twiddle(2u * ts, s)),
        cmul(wload(fromA, j + 3u * m), twiddle(3u * ts, s)), cmul(wload(fromA, j + 4u * m), twiddle(4u * ts, s)), s);
      for (var q = 0u; q < 5u; q++) { wstore(toA, o + q * ns, y[q]); }
    } else {
      let unit = m * TWSTEP;
      // r <= p.cl: a bound the compiler cannot unroll (see mEnd).
      let rEnd = min(r, p.cl);
      for (var q = 0u; q < rEnd; q++) {
        var acc = vec2<f32>(0.0);
        for (var rr = 0u; rr < rEnd; rr++) {
          let v = cmul(wload(fromA, j + rr * m), twiddle(rr * ts, s));
          acc += cmul(v, twiddle(((rr * q) % r) * unit, s));
        }
        wstore(toA, o + q * ns, acc);
      }
    }
  }
}

// Every pass (the row starts in wa); uniform control flow, barriers between passes.
fn allStages(s: f32, lid: u32) {
  workgroupBarrier();
  if (R0 > 0u) { stage(R0, 1u, true, s, lid); workgroupBarrier(); }
  if (R1 > 0u) { stage(R1, NS1, false, s, lid); workgroupBarrier(); }
  if (R2 > 0u) { stage(R2, NS2, true, s, lid); workgroupBarrier(); }
  if (R3 > 0u) { stage(R3, NS3, false, s, lid); workgroupBarrier(); }
  if (R4 > 0u) { stage(R4, NS4, true, s, lid); workgroupBarrier(); }
  if (R5 > 0u) { stage(R5, NS5, false, s, lid); workgroupBarrier(); }
  if (R6 > 0u) { stage(R6, NS6, true, s, lid); workgroupBarrier(); }
}
