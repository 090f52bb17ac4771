/**
 * index.html of a report, rendered from report.json alone (relative links only, no scripts, no
 * network): the model, per clip the log-mel and one overlay per method with the WAVs beside
 * them, then the sections (TCAV, metrics, …) and the skipped sources.
 */
import { escapeXml as esc } from '../plot/index.js';
import type { ReportData, SectionTable } from './model.js';

const num = (v: unknown): string =>
  typeof v === 'number'
    ? Number.isInteger(v)
      ? String(v)
      : Number(v.toPrecision(4)).toString()
    : v === null || v === undefined
      ? ''
      : String(v);

function table(t: SectionTable): string {
  const head = t.columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(num(c))}</td>`).join('')}</tr>`).join('\n');
  return `<table>${t.caption ? `<caption>${esc(t.caption)}</caption>` : ''}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const STYLE = `body{font-family:system-ui,'DejaVu Sans',sans-serif;margin:2em auto;max-width:1200px;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em}figure{display:inline-block;margin:.4em;vertical-align:top}
figcaption{font-size:.85em;color:#555}img{image-rendering:pixelated;border:1px solid #ccc;max-width:100%}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.25em .6em;font-size:.9em;text-align:right}
th{background:#f4f4f4}.clip{margin-bottom:2em}.audio{display:flex;flex-wrap:wrap;gap:1em}.audio div{font-size:.85em}`;

/** The report's index.html as a string (deterministic for given data). */
export function renderHtml(report: ReportData): string {
  const m = report.model;
  const out: string[] = [];
  out.push(
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(report.title)}</title><style>${STYLE}</style></head><body>`,
  );
  out.push(`<h1>${esc(report.title)}</h1>`);
  out.push(
    `<p>Model: <b>${esc(m.arch)}</b> (${esc(m.weights)}), ${m.classes.length} classes: ${esc(m.classes.join(', '))}` +
      `${m.heldOutAccuracy !== undefined ? `; held-out accuracy ${(100 * m.heldOutAccuracy).toFixed(1)} %` : ''}. ` +
      `Front end: ${esc(
        Object.entries(m.frontEnd)
          .map(([k, v]) => `${k} ${String(v)}`)
          .join(', '),
      )}. Methods: ${esc(report.methods.join(', '))}. ` +
      `Overlays: red = evidence for the target class, blue = against; low frequencies at the bottom. All numbers are in <a href="report.json">report.json</a>.</p>`,
  );
  if (report.clips.length) {
    out.push('<h2>Clips</h2>');
    out.push(
      table({
        columns: ['clip', 'label', 'predicted', 'p(predicted)', 'explained target'],
        rows: report.clips.map((c) => [c.id, c.label ?? '', c.predicted, Math.max(...c.probabilities), c.target]),
      }),
    );
  }
  for (const c of report.clips) {
    out.push(
      `<div class="clip" id="clip-${esc(c.id)}"><h3>${esc(c.id)} <small>(${esc(c.source)}, ${c.duration.toFixed(2)} s)</small></h3>`,
    );
    out.push(`<p>Predicted <b>${esc(c.predicted)}</b>${c.label ? `, label ${esc(c.label)}` : ''}; explaining <b>${esc(c.target)}</b>.</p>`);
    out.push(
      `<figure><img src="${esc(c.logmel)}" alt="log-mel of ${esc(c.id)}"><figcaption>log-mel [${c.shape.join(' × ')}]</figcaption></figure>`,
    );
    for (const a of c.attributions) {
      out.push(
        `<figure><img src="${esc(a.overlay)}" alt="${esc(a.method)} overlay of ${esc(c.id)}"><figcaption>${esc(a.method)}: peak at band ${a.peak.band}, frame ${a.peak.frame}</figcaption></figure>`,
      );
    }
    if (c.audio.length) {
      out.push(
        '<div class="audio">' +
          c.audio.map((w) => `<div>${esc(w.caption)}<br><audio controls preload="none" src="${esc(w.file)}"></audio></div>`).join('') +
          '</div>',
      );
    }
    out.push('</div>');
  }
  for (const s of report.sections) {
    out.push(`<h2 id="section-${esc(s.id)}">${esc(s.title)}</h2>`);
    for (const p of s.text ?? []) out.push(`<p>${esc(p)}</p>`);
    for (const f of s.figures ?? [])
      out.push(`<figure><img src="${esc(f.file)}" alt="${esc(f.caption)}"><figcaption>${esc(f.caption)}</figcaption></figure>`);
    for (const t of s.tables ?? []) out.push(table(t));
  }
  if (report.skipped.length) {
    out.push('<h2>Skipped sources</h2>');
    out.push(table({ columns: ['source', 'reason'], rows: report.skipped.map((s) => [s.source, s.reason]) }));
  }
  out.push('</body></html>\n');
  return out.join('\n');
}
