// src/plot: PNGs decode back (fast-png) to the expected sizes and colours; SVGs parse (a strict
// XML well-formedness check) and hold their labels; bad input gives clear errors.
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../src/engine/index.js';
import { barChartSvg, colorAt, heatmapPng, heatmapSvg, outlinePng, overlayPng } from '../src/plot/index.js';
import { svgToPng } from '../src/plot/svgToPng.js';

function pixel(png: Uint8Array, x: number, y: number): number[] {
  const img = decode(png);
  const c = img.channels;
  const o = (y * img.width + x) * c;
  return Array.from(img.data.slice(o, o + 3));
}

/** Minimal XML well-formedness: every opening tag is closed in order. */
function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]!);
  }
  return stack.length === 0;
}

describe('colormaps', () => {
  it('hit matplotlib anchors at the ends and the middle; redblue is white at 0.5', () => {
    expect(colorAt('viridis', 0)).toEqual([0x44, 0x01, 0x54]);
    expect(colorAt('viridis', 1)).toEqual([0xfd, 0xe7, 0x25]);
    expect(colorAt('magma', 0)).toEqual([0, 0, 4]);
    expect(colorAt('redblue', 0.5)).toEqual([0xf7, 0xf7, 0xf7]);
    expect(colorAt('grey', 0.5)).toEqual([128, 128, 128]);
    expect(colorAt('viridis', -3)).toEqual(colorAt('viridis', 0));
  });
});

describe('heatmapPng', () => {
  // 2 rows × 3 cols: row 0 = [0, 1, 2], row 1 = [3, 4, 5].
  const v = new Float32Array([0, 1, 2, 3, 4, 5]);
  it("takes matplotlib's cmap / vmin / vmax as colormap / min / max, and refuses both spellings at once", () => {
    const ours = heatmapPng(v, 2, 3, { colormap: 'magma', min: 1, max: 4, scale: 2 });
    expect(heatmapPng(v, 2, 3, { cmap: 'magma', vmin: 1, vmax: 4, scale: 2 })).toEqual(ours);
    expect(overlayPng(v, v, 2, 3, { cmap: 'viridis', vmin: 0, vmax: 2 })).toEqual(
      overlayPng(v, v, 2, 3, { colormap: 'viridis', min: 0, max: 2 }),
    );
    expect(heatmapSvg([[1, 2]], ['r'], ['a', 'b'], { cmap: 'grey', vmax: 3 })).toBe(
      heatmapSvg([[1, 2]], ['r'], ['a', 'b'], { colormap: 'grey', max: 3 }),
    );
    expect(() => heatmapPng(v, 2, 3, { colormap: 'grey', cmap: 'grey' })).toThrow(/same option 'colormap'/);
  });

  it('maps min/max to the colormap ends, scales cells, puts row 0 at the bottom', () => {
    const png = heatmapPng(v, 2, 3, { colormap: 'grey', scale: 4 });
    const img = decode(png);
    expect([img.width, img.height]).toEqual([12, 8]);
    expect(pixel(png, 0, 7)).toEqual([0, 0, 0]); // value 0: bottom-left
    expect(pixel(png, 11, 0)).toEqual([255, 255, 255]); // value 5: top-right
    expect(pixel(png, 5, 6)).toEqual(colorAt('grey', 1 / 5).map((x) => x) as number[]); // value 1
    const up = heatmapPng(v, 2, 3, { colormap: 'grey', flipY: false });
    expect(pixel(up, 0, 0)).toEqual([0, 0, 0]);
  });
  it('centres redblue on zero and honours explicit bounds', () => {
    const s = heatmapPng(new Float32Array([-2, 0, 1]), 1, 3, { colormap: 'redblue' });
    expect(pixel(s, 1, 0)).toEqual(colorAt('redblue', 128 / 255)); // 0 sits at level 128 of 0–255: white to within a step
    expect(pixel(s, 1, 0).every((c) => c >= 0xf5)).toBe(true);
    expect(pixel(s, 0, 0)).toEqual([0x05, 0x30, 0x61]);
    const b = heatmapPng(v, 2, 3, { colormap: 'grey', min: 0, max: 10 });
    expect(pixel(b, 2, 0)).toEqual([128, 128, 128]); // value 5 in [0, 10]: mid grey
  });
  it('rejects bad input with named arguments', () => {
    expect(() => heatmapPng(v, 2, 2)).toThrow(ShapeError);
    expect(() => heatmapPng(new Float32Array([0, NaN]), 1, 2)).toThrow(/values\[1\]/);
    expect(() => heatmapPng(v, 2, 3, { colormap: 'jet' as never })).toThrow(/colormap must be one of/);
    expect(() => heatmapPng(v, 2, 3, { scal: 2 } as never)).toThrow(/unknown option 'scal' — did you mean 'scale'/);
    expect(() => heatmapPng(v, 2, 3, { scale: 0 })).toThrow(ValueError);
    expect(() => heatmapPng(v, 2, 3, { min: 3, max: 1 })).toThrow(/max/);
  });
  it('does not mutate its input', () => {
    const copy = v.slice();
    heatmapPng(v, 2, 3);
    expect(v).toEqual(copy);
  });
});

describe('overlayPng / outlinePng', () => {
  const bg = new Float32Array([0, 0, 0, 10, 10, 10]); // row 0 dark, row 1 bright
  it('leaves the background clear where the attribution is 0 and tints where it is large', () => {
    const att = new Float32Array([0, 0, 1, 0, 0, -1]);
    const png = overlayPng(bg, att, 2, 3, { alpha: 1 });
    expect(pixel(png, 0, 1)).toEqual([0, 0, 0]); // row 0 (bottom), no attribution: grey black
    expect(pixel(png, 0, 0)).toEqual([255, 255, 255]); // row 1 (top), no attribution: white
    expect(pixel(png, 2, 1)).toEqual(colorAt('redblue', 1) as unknown as number[]); // +1: darkest red
    expect(pixel(png, 2, 0)).toEqual(colorAt('redblue', 0) as unknown as number[]); // −1: darkest blue
    const half = overlayPng(bg, att, 2, 3, { alpha: 0.5 });
    const red = colorAt('redblue', 1);
    expect(pixel(half, 2, 1)).toEqual(red.map((c) => Math.round(0.5 * c)));
  });
  it('outlines labelled regions in the colour of their weight', () => {
    // 4 × 4 cells: label 0 on the left half (weight +1), label 1 on the right (weight −1).
    const labels = new Int32Array(16).map((_, i) => (i % 4 < 2 ? 0 : 1));
    const flat = new Float32Array(16);
    const png = outlinePng(flat, { labels, weights: [1, -1] }, 4, 4, { scale: 4, backgroundColormap: 'grey' });
    const img = decode(png);
    expect(img.width).toBe(16);
    const left = pixel(png, 7, 8); // the last column of the left region borders the right region
    const right = pixel(png, 8, 8);
    expect(left[0]).toBeGreaterThan(left[2]!); // red
    expect(right[2]).toBeGreaterThan(right[0]!); // blue
    expect(pixel(png, 4, 8)).toEqual(colorAt('grey', 0.5) as unknown as number[]); // region interior: background (constant map → middle grey)
    const none = outlinePng(flat, { labels, weights: [null, -1] }, 4, 4, { scale: 4 });
    expect(pixel(none, 7, 8)).toEqual(colorAt('grey', 0.5) as unknown as number[]);
    expect(() => outlinePng(flat, { labels: new Int32Array(3), weights: [1] }, 4, 4)).toThrow(ShapeError);
  });
});

describe('SVG charts', () => {
  it('barChartSvg draws groups, error bars, significance marks and escapes labels', () => {
    const svg = barChartSvg({
      title: 'TCAV <scores>',
      yLabel: 'score',
      reference: { value: 0.5, label: 'chance' },
      groups: [
        {
          label: 'high_energy',
          bars: [
            { label: 'conv3', value: 0.9, error: 0.05, significant: true },
            { label: 'fc1', value: 0.7, error: 0.1, significant: false },
          ],
        },
        {
          label: 'ambient',
          bars: [
            { label: 'conv3', value: 0.2, error: 0.02, significant: true },
            { label: 'fc1', value: 0.5, significant: false },
          ],
        },
      ],
    });
    expect(wellFormed(svg)).toBe(true);
    for (const s of ['high_energy', 'ambient', 'conv3', 'fc1', 'TCAV &lt;scores&gt;', 'score', 'chance']) expect(svg).toContain(s);
    expect(svg.match(/class='significant'/g)).toHaveLength(2);
    expect(svg.match(/fill-opacity='0.35'/g)).toHaveLength(2);
    expect(() => barChartSvg({ bars: [] })).toThrow(/no bars/);
    expect(() => barChartSvg({ bars: [{ label: 'a', value: NaN }] })).toThrow(/value must be a finite number/);
  });
  it('heatmapSvg labels rows and columns and annotates values; NaN cells say n/a', () => {
    const svg = heatmapSvg(
      [
        [1, 2],
        [3, NaN],
      ],
      ['ig', 'gradcam'],
      ['faithfulness', 'sparseness'],
      { title: 'ranking', digits: 1 },
    );
    expect(wellFormed(svg)).toBe(true);
    for (const s of ['ig', 'gradcam', 'faithfulness', 'sparseness', 'ranking', '>1.0<', '>3.0<', '>n/a<']) expect(svg).toContain(s);
    expect(() => heatmapSvg([[1, 2]], ['a', 'b'], ['x', 'y'])).toThrow(ShapeError);
    expect(() => heatmapSvg([[1]], ['a'], ['x', 'y'])).toThrow(/row 0 has 1 values, expected 2/);
  });
  it('svgToPng renders a chart to PNG bytes of the asked width', () => {
    const svg = heatmapSvg([[0, 1]], ['m'], ['a', 'b']);
    const img = decode(svgToPng(svg, { width: 300 }));
    expect(img.width).toBe(300);
    expect(img.height).toBeGreaterThan(10);
    expect(() => svgToPng('not svg')).toThrow(ValueError);
  });
});
