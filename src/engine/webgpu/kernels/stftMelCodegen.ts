/**
 * The straight-line stftMel kernel (shaders/stft_mel_gen.wgsl): WGSL generated for one (nFft,
 * bins, radix plan) whose FFT has every butterfly unrolled, every index a constant and the
 * twiddles as float literals, so that on lavapipe the lane's values stay in SIMD registers (or
 * stack slots read with plain vector loads) instead of the gathers and scatters that
 * runtime-indexed private arrays cost (see the `lanes2` notes in shaders/stft_mel.wgsl).
 *
 * The FFT is a recursive mixed-radix decimation in time: a transform of length N with radices
 * [r, ...rest] is r transforms of length N / r (over the inputs q, q + r, q + 2r, ...) with the
 * `rest` radices, combined by N / r radix-r butterflies after the twiddles e^(-2 pi i q k / N).
 * Even nFft is transformed as nFft/2 packed complex values (real samples 2t, 2t + 1) and unpacked
 * after, as in `lanes2`.
 */
import { shaderSources } from '../shaderSources.generated.js';
import { fftRadices } from './fft.js';

/** Radices with a butterfly function in the template; any other prime factor is a direct DFT. */
const BUTTERFLIES = new Set([2, 3, 4, 5, 8]);
/** Largest prime factor generated as a direct DFT (its cost grows as r^2 per output). */
const MAX_PRIME = 13;
/** Largest complex length generated (compile time grows with the length; longer rows use `lanes2`). */
export const CODEGEN_MAX_CL = 256;

/**
 * The radices of the complex FFT of length cl, outermost first (the first one combines last):
 * radix 8 while it divides, then 4, 2, 5, 3, then the remaining primes. null when cl has a prime
 * factor above MAX_PRIME or cl exceeds CODEGEN_MAX_CL (the caller falls back to `lanes2`).
 */
export function codegenPlan(cl: number): number[] | null {
  if (!Number.isInteger(cl) || cl < 1 || cl > CODEGEN_MAX_CL) return null;
  const radices = fftRadices(cl, [8, 4, 2, 5, 3]);
  return radices.every((r) => r <= MAX_PRIME) ? radices : null;
}

/** What one generated kernel is specialised to. */
export interface CodegenSpec {
  /** Real FFT length. */
  n: number;
  /** Bins kept (the filterbank's rows), <= n (onesided: floor(n / 2) + 1). */
  bins: number;
  /** Radices of the complex FFT, outermost first (their product is n/2 for even n, else n). */
  plan: number[];
}

/** The shader name (pipeline-cache key) of a specialisation. */
export function codegenName(s: CodegenSpec): string {
  return `stft_mel_gen/n${s.n}/b${s.bins}/r${s.plan.join('x')}`;
}

/** An f32 literal of a float64 value (WGSL abstract floats round it to f32). */
function lit(v: number): string {
  if (Object.is(v, -0) || v === 0) return '0.0';
  const s = Number(v.toPrecision(10)).toString();
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** e^(-2 pi i num / den) as (cos, sin), exact for multiples of a quarter turn. */
function unit(num: number, den: number): [number, number] {
  const q = (((num % den) + den) % den) * 4;
  if (q % den === 0)
    return (
      [
        [1, 0],
        [0, -1],
        [-1, 0],
        [0, 1],
      ] as [number, number][]
    )[q / den];
  const a = (-2 * Math.PI * num) / den;
  return [Math.cos(a), Math.sin(a)];
}

/** Emits the WGSL lines of one laneLevels body. */
class Emitter {
  readonly lines: string[] = [];
  private count = 0;

  /** A new SSA name holding `expr`. */
  let(expr: string, prefix = 'v'): string {
    const name = `${prefix}${this.count++}`;
    this.lines.push(`  let ${name} = ${expr};`);
    return name;
  }

  /** v * e^(-2 pi i num / den); no multiply for the quarter turns. */
  twiddle(v: string, num: number, den: number): string {
    const [c, s] = unit(num, den);
    if (c === 1 && s === 0) return v;
    if (c === -1 && s === 0) return this.let(`-${v}`);
    if (c === 0 && s === -1) return this.let(`mulNegI(${v})`);
    if (c === 0 && s === 1) return this.let(`-mulNegI(${v})`);
    return this.let(`cmul(${v}, vec2<f32>(${lit(c)}, ${lit(s)}))`);
  }

  /** The radix-r DFT of `v` (r names), as r names. */
  dft(v: string[]): string[] {
    const r = v.length;
    if (BUTTERFLIES.has(r)) {
      // fft_math's butterflies take the sign of the exponent (-1: forward); the template's dft2 does not.
      const y = this.let(`dft${r}(${v.join(', ')}${r === 2 ? '' : ', -1.0'})`, 'y');
      return v.map((_, q) => `${y}[${q}]`);
    }
    // A direct DFT with the constant matrix e^(-2 pi i j q / r).
    return v.map((_, q) => {
      const terms = v.map((x, j) => {
        const [c, s] = unit(j * q, r);
        return c === 1 && s === 0 ? x : `cmul(${x}, vec2<f32>(${lit(c)}, ${lit(s)}))`;
      });
      return this.let(terms.join(' + '));
    });
  }

  /** The FFT of input(i), i < len (input(i) emits and names input i), with `radices`. */
  fft(input: (i: number) => string, len: number, radices: number[]): string[] {
    if (len === 1) return [input(0)];
    const [r, ...rest] = radices;
    const m = len / r;
    const subs: string[][] = [];
    for (let q = 0; q < r; q++) subs.push(this.fft((i) => input(i * r + q), m, rest));
    const out: string[] = new Array<string>(len);
    for (let k = 0; k < m; k++) {
      const y = this.dft(subs.map((sub, q) => this.twiddle(sub[k], q * k, len)));
      y.forEach((v, s) => (out[k + s * m] = v));
    }
    return out;
  }
}

/** The body of laneLevels for one specialisation: the FFT, the unpacking and lv[k], k < bins. */
function laneLevelsCode(s: CodegenSpec): string {
  const { n, bins, plan } = s;
  const half = n % 2 === 0;
  const cl = half ? n / 2 : n;
  if (plan.reduce((a, r) => a * r, 1) !== cl) throw new Error(`stftMel codegen: plan ${plan.join('x')} is not a factorisation of ${cl}`);
  if (bins < 1 || bins > n) throw new Error(`stftMel codegen: ${bins} bins for nFft ${n}`);
  const e = new Emitter();
  // The frame is copied into fr by a loop (not unrolled): each wave read is a per-lane gather,
  // which lavapipe expands into a loop over the lanes; unrolled 400 times those loops took LLVM
  // a minute to compile. The FFT then reads fr at constant indices.
  e.lines.push(
    half
      ? '  for (var t = 0u; t < p.cl; t++) { fr[t] = vec2<f32>(sample(b, start, 2u * t), sample(b, start, 2u * t + 1u)); }'
      : '  for (var t = 0u; t < p.cl; t++) { fr[t] = vec2<f32>(sample(b, start, t), 0.0); }',
  );
  const input = (t: number) => `fr[${t}]`;
  const z = e.fft(input, cl, plan);
  const done = new Set<number>();
  const store = (k: number, v: string) => {
    if (k >= bins || done.has(k)) return;
    done.add(k);
    e.lines.push(`  lv[${k}] = level(${v});`);
  };
  if (!half) {
    for (let k = 0; k < bins; k++) store(k, z[k]);
  } else {
    // With a = Z[k], c = conj Z[L - k], e = (a + c) / 2, d = (a - c) / 2 and w = e^(-2 pi i k / n):
    // X[k] = e - i d w, X[L + k] = e + i d w, X[L - k] = conj e + i conj(d) w', X[2L - k] =
    // conj e - i conj(d) w', w' = e^(-2 pi i (L - k) / n) (see `bin` in stft_mel.wgsl).
    for (let k = 0; 2 * k <= cl; k++) {
      const a = z[k];
      const cz = z[(cl - k) % cl];
      const ev = e.let(`0.5 * (${a} + vec2<f32>(${cz}.x, -${cz}.y))`, 'e');
      const dv = e.let(`0.5 * (${a} - vec2<f32>(${cz}.x, -${cz}.y))`, 'd');
      const dw = e.twiddle(e.let(`mulNegI(${dv})`), k, n);
      if (k < bins || cl + k < bins) {
        store(k, `${ev} + ${dw}`);
        store(cl + k, `${ev} - ${dw}`);
      }
      if (cl - k < bins || 2 * cl - k < bins) {
        const ec = `vec2<f32>(${ev}.x, -${ev}.y)`;
        const dw2 = e.twiddle(e.let(`vec2<f32>(${dv}.y, ${dv}.x)`), cl - k, n);
        store(cl - k, `${ec} + ${dw2}`);
        store(2 * cl - k, `${ec} - ${dw2}`);
      }
    }
  }
  return `fn laneLevels(b: u32, start: u32) {\n${e.lines.join('\n')}\n}\n`;
}

const GENERATED = /^\/\/!generated\n[\s\S]*?^\/\/!end generated\n/m;
const BINS_LINE = /^const BINS = 1u;\nconst CL = 1u;$/m;

/** The WGSL of one specialisation: the template with laneLevels and BINS generated. */
export function codegenShader(s: CodegenSpec): string {
  const template = shaderSources.stft_mel_gen;
  if (!GENERATED.test(template) || !BINS_LINE.test(template))
    throw new Error('shaders/stft_mel_gen.wgsl: no generated section or BINS line');
  const cl = s.n % 2 === 0 ? s.n / 2 : s.n;
  return template
    .replace(BINS_LINE, `const BINS = ${s.bins}u;\nconst CL = ${cl}u;`)
    .replace(GENERATED, `// Generated: ${codegenName(s)}\n${laneLevelsCode(s)}`);
}
