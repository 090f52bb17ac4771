/**
 * Seeded, augmented handwritten-style digit images (an MNIST stand-in for the image-vs-audio
 * comparison), in pure TypeScript for Node and the browser, with no data files.
 *
 * Each digit 0–9 is a set of pen strokes (lines, elliptical arcs, quadratic curves) in a unit box,
 * with a few style variants per digit (a 1 with or without flag and base, a 7 with or without a
 * crossbar, an open or closed 4, a straight or curved 9 tail, ...). A glyph is drawn by
 * 1. picking a variant and perturbing every control point (per-glyph "handwriting" wobble),
 * 2. a random affine map: rotation ±12°, shear ±0.3, scale 0.75–1.1 (per axis), translation,
 * 3. fitting the result into the central 20×20 box of the 28×28 image, as MNIST does,
 * 4. rasterising the strokes with an anti-aliased pen of random thickness (0.9–2.0 px radius at
 *    28 px) and a soft edge, then optionally Gaussian pixel noise; values are clamped to [0, 1]
 *    (0 background, 1 ink, MNIST's polarity).
 * Everything follows from (seed, index): the same options give bit-identical images.
 */
import { parseOptions, withSnakeCase } from '../util/options.js';
import { checkSeed, createRng, type Engine, type Rng, type Tensor, ValueError } from '../engine/index.js';

type Pt = [number, number];
/** A stroke: a polyline through points in the unit box (x right, y down). */
type Stroke = Pt[];

function line(x0: number, y0: number, x1: number, y1: number): Stroke {
  return [
    [x0, y0],
    [x1, y1],
  ];
}

/** Elliptical arc from angle a0 to a1 (degrees; 0 = right, 90 = down, 270 = up). */
function arc(cx: number, cy: number, rx: number, ry: number, a0: number, a1: number): Stroke {
  const n = Math.max(6, Math.ceil(Math.abs(a1 - a0) / 12));
  const out: Stroke = [];
  for (let i = 0; i <= n; i++) {
    const a = ((a0 + ((a1 - a0) * i) / n) * Math.PI) / 180;
    out.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
  }
  return out;
}

/** Quadratic Bézier curve. */
function quad(p0: Pt, c: Pt, p1: Pt, n = 10): Stroke {
  const out: Stroke = [];
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    const u = 1 - t;
    out.push([u * u * p0[0] + 2 * u * t * c[0] + t * t * p1[0], u * u * p0[1] + 2 * u * t * c[1] + t * t * p1[1]]);
  }
  return out;
}

/** Style variants of each digit: functions of a few random shape parameters. */
const GLYPHS: ReadonlyArray<ReadonlyArray<(r: Rng) => Stroke[]>> = [
  // 0
  [
    (r) => [arc(0.5, 0.5, r.uniform(0.24, 0.34), r.uniform(0.38, 0.46), 0, 360 + r.uniform(0, 25))],
    (r) => [arc(0.5, 0.5, r.uniform(0.26, 0.36), r.uniform(0.36, 0.44), -100, 260 + r.uniform(0, 20))],
  ],
  // 1
  [
    () => [line(0.5, 0.06, 0.5, 0.94)],
    (r) => [line(0.52, 0.06, 0.48, 0.94), line(0.52, 0.06, r.uniform(0.28, 0.38), r.uniform(0.2, 0.3))],
    (r) => [line(0.52, 0.06, 0.5, 0.94), line(0.52, 0.06, r.uniform(0.3, 0.38), r.uniform(0.2, 0.28)), line(0.3, 0.94, 0.72, 0.94)],
  ],
  // 2
  [
    (r) => {
      const top = arc(0.5, 0.3, r.uniform(0.25, 0.32), r.uniform(0.2, 0.25), 195, 380);
      const end = top[top.length - 1]!;
      return [top, line(end[0], end[1], 0.18, 0.93), line(0.18, 0.93, r.uniform(0.75, 0.88), 0.93)];
    },
    (r) => {
      const top = arc(0.5, 0.3, r.uniform(0.25, 0.32), r.uniform(0.2, 0.25), 190, 375);
      const end = top[top.length - 1]!;
      // a little loop at the bottom left
      return [top, quad(end, [0.3, 0.75], [0.2, 0.92]), arc(0.27, 0.86, 0.08, 0.07, 90, 300), line(0.25, 0.92, r.uniform(0.75, 0.88), 0.9)];
    },
  ],
  // 3
  [
    (r) => [arc(0.48, 0.29, r.uniform(0.24, 0.3), 0.21, 200, 450), arc(0.48, 0.71, r.uniform(0.27, 0.33), 0.22, 270, 490)],
    (r) => [line(0.22, 0.08, 0.76, 0.08), line(0.76, 0.08, 0.45, 0.44), arc(0.48, 0.68, r.uniform(0.27, 0.33), 0.24, 260, 490)],
  ],
  // 4
  [
    (r) => {
      const x = r.uniform(0.58, 0.66);
      return [line(x, 0.06, 0.14, r.uniform(0.6, 0.68)), line(0.14, 0.64, 0.86, 0.64), line(x, 0.06, x, 0.94)];
    },
    (r) => {
      const x = r.uniform(0.6, 0.68);
      return [line(0.28, 0.06, 0.2, 0.58), line(0.2, 0.58, 0.86, 0.58), line(x, 0.22, x, 0.94)];
    },
  ],
  // 5
  [
    (r) => [
      line(0.78, 0.08, 0.32, 0.08),
      line(0.32, 0.08, 0.28, r.uniform(0.42, 0.48)),
      arc(0.5, 0.67, r.uniform(0.27, 0.32), 0.25, 215, 505),
    ],
    (r) => [
      line(0.32, 0.08, 0.28, 0.46),
      arc(0.5, 0.67, r.uniform(0.27, 0.32), 0.25, 215, 500),
      line(0.32, 0.08, 0.8, r.uniform(0.06, 0.12)),
    ],
  ],
  // 6
  [
    (r) => [quad([r.uniform(0.66, 0.76), 0.06], [0.22, 0.25], [0.24, 0.68]), arc(0.5, 0.69, 0.26, 0.23, 180, 540)],
    (r) => [line(r.uniform(0.62, 0.72), 0.06, 0.26, 0.62), arc(0.5, 0.7, 0.26, 0.22, 200, 560)],
  ],
  // 7
  [
    (r) => [line(0.18, 0.08, 0.82, 0.08), line(0.82, 0.08, r.uniform(0.35, 0.48), 0.94)],
    (r) => [line(0.18, 0.08, 0.82, 0.08), line(0.82, 0.08, r.uniform(0.38, 0.48), 0.94), line(0.36, 0.5, 0.72, 0.5)],
    (r) => [
      line(0.18, r.uniform(0.14, 0.2), 0.2, 0.08),
      line(0.2, 0.08, 0.82, 0.08),
      quad([0.82, 0.08], [0.55, 0.45], [r.uniform(0.4, 0.5), 0.94]),
    ],
  ],
  // 8
  [
    (r) => [arc(0.5, 0.28, r.uniform(0.19, 0.24), 0.2, 0, 360), arc(0.5, 0.7, r.uniform(0.24, 0.3), 0.23, -90, 270)],
    (r) => [
      // figure-eight drawn as one S and one reverse S
      quad([0.72, 0.16], [0.5, -0.06], [0.3, 0.2]),
      quad([0.3, 0.2], [0.3, 0.4], [0.5, 0.5]),
      quad([0.5, 0.5], [0.78, 0.64], [0.7, 0.84]),
      quad([0.7, 0.84], [0.5, 1.02], [0.28, 0.84]),
      quad([0.28, 0.84], [0.22, 0.64], [0.5, 0.5]),
      quad([0.5, 0.5], [r.uniform(0.66, 0.74), 0.38], [0.72, 0.16]),
    ],
  ],
  // 9
  [
    (r) => [arc(0.5, 0.31, 0.26, 0.23, 0, 360), line(0.76, 0.31, r.uniform(0.66, 0.74), 0.94)],
    (r) => [arc(0.5, 0.31, 0.26, 0.23, 20, 380), quad([0.76, 0.34], [0.74, 0.8], [r.uniform(0.36, 0.46), 0.92])],
  ],
];

export interface DigitGlyphOptions {
  /** Integer seed: the same options give the same images. */
  seed: number;
  /** Number of images (labels cycle 0, 1, …, 9, 0, … so every prefix is balanced). Give count or perDigit. */
  count?: number;
  /** Images per digit (count = 10 · perDigit). */
  perDigit?: number;
  /** Image side in pixels (default 28, MNIST's). */
  size?: number;
  /** Largest standard deviation of the additive Gaussian pixel noise (per image uniform in [0, noise]; default 0.05). */
  noise?: number;
  /** Strength of the geometric augmentation, 0 (canonical glyphs, centred) to 1 (default) or more. */
  jitter?: number;
}

export interface DigitImages {
  /** Row-major [N, 1, size, size] pixel values in [0, 1]. */
  images: Float32Array;
  /** Digit of each image, 0–9. */
  labels: Int32Array;
  /** [N, 1, size, size]. */
  shape: [number, number, number, number];
}

interface Options {
  size: number;
  noise: number;
  jitter: number;
}

function distToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const l2 = dx * dx + dy * dy;
  let t = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return Math.sqrt(ex * ex + ey * ey);
}

/** Renders one glyph of `digit` from an rng into out (size·size values). */
function drawGlyph(digit: number, rng: Rng, o: Options, out: Float32Array): void {
  const j = o.jitter;
  const variants = GLYPHS[digit]!;
  const strokes = rng.pick(variants)(rng);
  // 1. wobble: a smooth random displacement field (two low-frequency sinusoids per axis)
  const w = 0.035 * j;
  const fx = [rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(0, 6.3), rng.uniform(0, 6.3)];
  const fy = [rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(0, 6.3), rng.uniform(0, 6.3)];
  const wobble = (p: Pt): Pt => [
    p[0] + w * Math.sin(fx[0]! * p[1] * Math.PI + fx[2]!) + w * 0.5 * Math.sin(fx[1]! * p[0] * Math.PI + fx[3]!),
    p[1] + w * Math.sin(fy[0]! * p[0] * Math.PI + fy[2]!) + w * 0.5 * Math.sin(fy[1]! * p[1] * Math.PI + fy[3]!),
  ];
  // 2. affine: rotation, shear, anisotropic scale (about the centre)
  const rot = (rng.uniform(-12, 12) * j * Math.PI) / 180;
  const shear = rng.uniform(-0.3, 0.3) * j;
  const sx = 1 + rng.uniform(-0.25, 0.1) * j;
  const sy = 1 + rng.uniform(-0.2, 0.1) * j;
  const c = Math.cos(rot);
  const s = Math.sin(rot);
  const affine = (p: Pt): Pt => {
    const x = (p[0] - 0.5) * sx + shear * (p[1] - 0.5) * sy;
    const y = (p[1] - 0.5) * sy;
    return [c * x - s * y, s * x + c * y];
  };
  const pts = strokes.map((st) => st.map((p) => affine(wobble(p))));
  // 3. fit into the central 20/28 box (keeping the aspect ratio), then shift a little
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (const st of pts)
    for (const [x, y] of st) {
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  const box = (o.size * 20) / 28;
  const scale = box / Math.max(maxX - minX, maxY - minY, 1e-6);
  const shift = (o.size / 28) * 1.5 * j;
  const ox = o.size / 2 - (scale * (minX + maxX)) / 2 + rng.uniform(-shift, shift);
  const oy = o.size / 2 - (scale * (minY + maxY)) / 2 + rng.uniform(-shift, shift);
  const px = pts.map((st) => st.map(([x, y]): Pt => [ox + scale * x, oy + scale * y]));
  // 4. rasterise with an anti-aliased pen: ink = clamp(radius + 0.5 − distance) with a soft falloff
  const radius = ((j > 0 ? rng.uniform(0.9, 2.0) : 1.3) * o.size) / 28;
  const inkLevel = rng.uniform(0.85, 1);
  const size = o.size;
  out.fill(0);
  for (const st of px) {
    for (let k = 0; k + 1 < st.length; k++) {
      const [ax, ay] = st[k]!;
      const [bx, by] = st[k + 1]!;
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - radius - 1));
      const x1 = Math.min(size - 1, Math.ceil(Math.max(ax, bx) + radius + 1));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - radius - 1));
      const y1 = Math.min(size - 1, Math.ceil(Math.max(ay, by) + radius + 1));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const d = distToSegment(x + 0.5, y + 0.5, ax, ay, bx, by);
          const v = Math.min(1, Math.max(0, radius + 0.5 - d)) * inkLevel;
          if (v > out[y * size + x]!) out[y * size + x] = v;
        }
      }
    }
  }
  const sigma = rng.uniform(0, o.noise);
  if (sigma > 0) for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i]! + rng.normal(0, sigma)));
}

function resolve(options: DigitGlyphOptions, where: string): { seed: number; n: number } & Options {
  if (options === null || typeof options !== 'object') throw new ValueError(`${where}: options { seed, count | perDigit } are required`);
  options = parseOptions<DigitGlyphOptions>(
    options,
    withSnakeCase(['seed', 'count', 'perDigit', 'size', 'noise', 'jitter']),
    where,
  ) as DigitGlyphOptions;
  const seed = checkSeed(options.seed, `${where}: seed`);
  const { count, perDigit } = options;
  if ((count === undefined) === (perDigit === undefined)) throw new ValueError(`${where}: give exactly one of count and perDigit`);
  const n = count ?? 10 * perDigit!;
  if (!Number.isInteger(n) || n < 0 || (perDigit !== undefined && (!Number.isInteger(perDigit) || perDigit < 0))) {
    throw new ValueError(
      `${where}: ${count !== undefined ? `count must be a non-negative integer, got ${String(count)}` : `perDigit must be a non-negative integer, got ${String(perDigit)}`}`,
    );
  }
  const size = options.size ?? 28;
  if (!Number.isInteger(size) || size < 8 || size > 512)
    throw new ValueError(`${where}: size must be an integer in [8, 512], got ${String(size)}`);
  const noise = options.noise ?? 0.05;
  if (typeof noise !== 'number' || !(noise >= 0 && noise <= 1))
    throw new ValueError(`${where}: noise must be in [0, 1], got ${String(noise)}`);
  const jitter = options.jitter ?? 1;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 3))
    throw new ValueError(`${where}: jitter must be in [0, 3], got ${String(jitter)}`);
  return { seed, n, size, noise, jitter };
}

/** One glyph of `digit` (0–9) as size·size values in [0, 1]; the same (digit, seed, options) give the same image. */
export function renderDigitGlyph(digit: number, options: Omit<DigitGlyphOptions, 'count' | 'perDigit'>): Float32Array {
  if (!Number.isInteger(digit) || digit < 0 || digit > 9)
    throw new ValueError(`renderDigitGlyph: digit must be an integer 0–9, got ${String(digit)}`);
  const o = resolve({ ...options, count: 1 }, 'renderDigitGlyph');
  const out = new Float32Array(o.size * o.size);
  drawGlyph(digit, createRng(o.seed, 'glyph', digit), o, out);
  return out;
}

/**
 * N augmented digit images [N, 1, size, size] in [0, 1] with labels cycling 0–9 (image i shows
 * digit i mod 10, drawn from its own stream deriveSeed(seed, 'digits', i)).
 */
export function renderDigitGlyphs(options: DigitGlyphOptions): DigitImages {
  const o = resolve(options, 'renderDigitGlyphs');
  const px = o.size * o.size;
  const images = new Float32Array(o.n * px);
  const labels = new Int32Array(o.n);
  for (let i = 0; i < o.n; i++) {
    const d = i % 10;
    labels[i] = d;
    drawGlyph(d, createRng(o.seed, 'digits', i), o, images.subarray(i * px, (i + 1) * px));
  }
  return { images, labels, shape: [o.n, 1, o.size, o.size] };
}

/** renderDigitGlyphs as tensors on an engine: x float32 [N, 1, size, size], y int32 [N] (fit()'s FitData). */
export function digitGlyphTensors(engine: Engine, options: DigitGlyphOptions): { x: Tensor; y: Tensor } {
  const { images, labels, shape } = renderDigitGlyphs(options);
  const x = engine.tensor(images, shape, 'float32');
  try {
    return { x, y: engine.tensor(labels, [labels.length], 'int32') };
  } catch (e) {
    x.dispose();
    throw e;
  }
}
