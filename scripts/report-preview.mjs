// node scripts/report-preview.mjs [reportDir] [out.png]  (after npm run demo)
// Renders the README's picture of a report: for the first clips of report.json, the log-mel and
// each method's overlay side by side with captions, composed as an SVG with the PNGs embedded and
// rasterised with resvg (default: report/ → assets/report-preview.png).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeXml } from '../dist/plot/index.js';
import { svgToPng } from '../dist/plot/svgToPng.js';

const dir = process.argv[2] ?? 'report';
const out = process.argv[3] ?? join('assets', 'report-preview.png');
const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
const clips = report.clips.slice(0, 3);
const [M, F] = clips[0].shape;
const w = F * 2;
const h = M * 2;
const cols = 1 + clips[0].attributions.length;
const W = 16 + cols * (w + 12);
const rowH = h + 40;
const H = 50 + clips.length * rowH;
const img = (file, x, y) =>
  `<image x='${x}' y='${y}' width='${w}' height='${h}' href='data:image/png;base64,${readFileSync(join(dir, file)).toString('base64')}'/>`;
const text = (s, x, y, size = 13) =>
  `<text x='${x}' y='${y}' font-size='${size}' font-family='DejaVu Sans, sans-serif'>${escapeXml(s)}</text>`;
const parts = [
  `<svg xmlns='http://www.w3.org/2000/svg' width='${W}' height='${H}'>`,
  `<rect width='${W}' height='${H}' fill='white'/>`,
  text(report.title, 16, 28, 17),
];
clips.forEach((c, r) => {
  const y = 50 + r * rowH;
  const cells = [['log-mel', c.logmel], ...c.attributions.map((a) => [a.method, a.overlay])];
  cells.forEach(([name, file], k) => {
    const x = 16 + k * (w + 12);
    parts.push(text(k === 0 ? `${c.id}: predicted ${c.predicted}` : name, x, y + 14), img(file, x, y + 22));
  });
});
parts.push('</svg>');
writeFileSync(out, svgToPng(parts.join('\n')));
console.log(`wrote ${out}`);
