/**
 * Two-sample t-tests on TCAV scores, as scipy.stats.ttest_ind computes them (two-sided): Student's
 * test with a pooled variance (equal_var=True) and Welch's test with the Welch–Satterthwaite
 * degrees of freedom (equal_var=False). The t distribution's tail comes from jstat.
 */
import jStat from 'jstat';
import { ValueError } from '../engine/index.js';
import { checkBoolean, parseOptions } from '../xai/shared/index.js';

/** The result of a two-sided two-sample t-test. */
export interface TTestResult {
  /** The t statistic (mean(a) − mean(b)) / its standard error; ±Infinity when both samples are constant and differ, NaN when they are constant and equal. */
  t: number;
  /** Two-sided p-value 2·P(T ≥ |t|) (0 for an infinite t, NaN for a NaN t). */
  p: number;
  /** Degrees of freedom: na + nb − 2 (Student) or Welch–Satterthwaite (Welch, may be fractional). */
  df: number;
}

function checkSample(v: unknown, name: string): number[] {
  const ok = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!ok) throw new ValueError(`ttest: ${name} must be an array of numbers, got ${v === null ? 'null' : typeof v}`);
  const arr = Array.from(v as ArrayLike<unknown>);
  if (arr.length < 2) throw new ValueError(`ttest: ${name} must hold at least 2 values (a variance needs two), got ${arr.length}`);
  arr.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new ValueError(`ttest: ${name}[${i}] must be a finite number, got ${String(x)}`);
  });
  return arr as number[];
}

/** Mean and unbiased variance (ddof = 1), two-pass for accuracy. */
function moments(x: readonly number[]): [number, number] {
  const m = x.reduce((s, v) => s + v, 0) / x.length;
  const ss = x.reduce((s, v) => s + (v - m) * (v - m), 0);
  return [m, ss / (x.length - 1)];
}

/** 2·P(T ≥ |t|) for Student's t with df degrees of freedom. */
export function twoSidedP(t: number, df: number): number {
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  if (Number.isNaN(df)) return NaN;
  // The lower tail at −|t| avoids the cancellation of 1 − cdf(|t|) for large t.
  return Math.min(1, 2 * jStat.studentt.cdf(-Math.abs(t), df));
}

/**
 * Two-sided two-sample t-test of a against b (unitless samples, e.g. TCAV scores in [0, 1]),
 * matching scipy.stats.ttest_ind(a, b, equal_var=equalVar). options.equalVar (default true):
 * Student's pooled-variance test; false: Welch's test. Each sample needs ≥ 2 finite values.
 */
export function ttest(a: ArrayLike<number>, b: ArrayLike<number>, options: { equalVar?: boolean } = {}): TTestResult {
  const opts = parseOptions(options, { equalVar: ['equal_var'] }, 'ttest') as {
    equalVar?: unknown;
  };
  const equalVar = checkBoolean(opts.equalVar, 'options.equalVar', 'ttest', true);
  const x = checkSample(a, 'a');
  const y = checkSample(b, 'b');
  const [mx, vx] = moments(x);
  const [my, vy] = moments(y);
  const nx = x.length;
  const ny = y.length;
  let df: number;
  let se2: number;
  if (equalVar) {
    df = nx + ny - 2;
    const pooled = ((nx - 1) * vx + (ny - 1) * vy) / df;
    se2 = pooled * (1 / nx + 1 / ny);
  } else {
    const qx = vx / nx;
    const qy = vy / ny;
    se2 = qx + qy;
    // scipy's Welch df; 0/0 (both constant) gives NaN as in scipy.
    df = (se2 * se2) / ((qx * qx) / (nx - 1) + (qy * qy) / (ny - 1));
  }
  const diff = mx - my;
  const t = se2 === 0 ? (diff === 0 ? NaN : diff > 0 ? Infinity : -Infinity) : diff / Math.sqrt(se2);
  return { t, p: twoSidedP(t, df), df };
}
