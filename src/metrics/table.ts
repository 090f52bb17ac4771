/**
 * The evaluate() table in three formats: CSV (one row per method × metric with the mean, the
 * example count and the rank), JSON (everything, per-example scores included) and Markdown (methods
 * × metrics, each cell "mean (rank)"). Numbers are written with 6 significant digits; NaN as "NaN"
 * (CSV, Markdown) or null (JSON).
 */

/** What the formats need of an evaluation. */
export interface TableData {
  methods: readonly string[];
  metrics: readonly string[];
  /** Whether a higher score is better, per metric. */
  higherIsBetter: readonly boolean[];
  /** [method][metric] mean over the examples (NaN-skipping). */
  scores: readonly (readonly number[])[];
  /** [method][metric] rank among the methods (1 = best). */
  ranks: readonly (readonly number[])[];
  /** [method][metric][example] the metric's score per example. */
  perExample: readonly (readonly (readonly number[])[])[];
}

const num = (v: number) =>
  Number.isFinite(v) ? String(Number(v.toPrecision(6))) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';

/** A CSV field, quoted when it holds a comma, quote or newline. */
function field(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV: header `method,metric,mean,n,rank,higher_is_better`, one row per method and metric. */
export function toCsv(t: TableData): string {
  const lines = ['method,metric,mean,n,rank,higher_is_better'];
  t.methods.forEach((m, i) =>
    t.metrics.forEach((k, j) => {
      const n = t.perExample[i][j].filter((v) => !Number.isNaN(v)).length;
      lines.push([field(m), field(k), num(t.scores[i][j]), String(n), String(t.ranks[i][j]), String(t.higherIsBetter[j])].join(','));
    }),
  );
  return `${lines.join('\n')}\n`;
}

/** JSON: { methods, metrics, higherIsBetter, scores, ranks, perExample } (NaN as null), indented. */
export function toJson(t: TableData): string {
  return JSON.stringify(
    {
      methods: t.methods,
      metrics: t.metrics,
      higherIsBetter: t.higherIsBetter,
      scores: t.scores,
      ranks: t.ranks,
      perExample: t.perExample,
    },
    (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
    2,
  );
}

/** Markdown: a methods × metrics table, each cell "mean (rank)"; arrows give each metric's direction. */
export function toMarkdown(t: TableData): string {
  const head = `| method | ${t.metrics.map((k, j) => `${k} ${t.higherIsBetter[j] ? '↑' : '↓'}`).join(' | ')} |`;
  const rule = `|---|${t.metrics.map(() => '---:').join('|')}|`;
  const rows = t.methods.map(
    (m, i) => `| ${m.replace(/\|/g, '\\|')} | ${t.metrics.map((_, j) => `${num(t.scores[i][j])} (${t.ranks[i][j]})`).join(' | ')} |`,
  );
  return `${[head, rule, ...rows].join('\n')}\n`;
}

/**
 * Ranks of the methods per metric (1 = best; ties share the better rank; NaN ranks last).
 * `scores` is [method][metric].
 */
export function rankMethods(scores: readonly (readonly number[])[], higherIsBetter: readonly boolean[]): number[][] {
  return scores.map((row, i) =>
    row.map((v, j) => {
      if (Number.isNaN(v)) return scores.length;
      let better = 0;
      for (let r = 0; r < scores.length; r++) {
        if (r === i) continue;
        const w = scores[r][j];
        if (!Number.isNaN(w) && (higherIsBetter[j] ? w > v : w < v)) better++;
      }
      return better + 1;
    }),
  );
}
