import { PNG } from 'pngjs';
import type { WeekPoint } from './metrics.js';

type Rgb = readonly [number, number, number];

const WIDTH = 480;
const HEIGHT = 200;
const PAD = { left: 34, right: 34, top: 14, bottom: 26 };
const BACKGROUND: Rgb = [255, 255, 255];
const AXIS: Rgb = [120, 120, 120];
const GRID: Rgb = [230, 230, 230];
export const BAR_COLOUR: Rgb = [96, 140, 200];
export const LINE_COLOUR: Rgb = [220, 110, 40];

/** 3×5 digits and a few letters, enough for axis maxima and week numbers. */
const GLYPHS: Record<string, string[]> = {
  '0': ['111', '101', '101', '101', '111'],
  '1': ['010', '110', '010', '010', '111'],
  '2': ['111', '001', '111', '100', '111'],
  '3': ['111', '001', '111', '001', '111'],
  '4': ['101', '101', '111', '001', '001'],
  '5': ['111', '100', '111', '001', '111'],
  '6': ['111', '100', '111', '101', '111'],
  '7': ['111', '001', '001', '001', '001'],
  '8': ['111', '101', '111', '101', '111'],
  '9': ['111', '101', '111', '001', '111'],
  '.': ['000', '000', '000', '000', '010'],
  '-': ['000', '000', '111', '000', '000'],
  h: ['100', '100', '111', '101', '101'],
  n: ['000', '000', '110', '101', '101'],
};

class Canvas {
  readonly png = new PNG({ width: WIDTH, height: HEIGHT });

  constructor() {
    this.rect(0, 0, WIDTH, HEIGHT, BACKGROUND);
  }

  pixel(x: number, y: number, [r, g, b]: Rgb): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= WIDTH || py >= HEIGHT) return;
    const i = (WIDTH * py + px) << 2;
    this.png.data[i] = r;
    this.png.data[i + 1] = g;
    this.png.data[i + 2] = b;
    this.png.data[i + 3] = 255;
  }

  rect(x: number, y: number, w: number, h: number, colour: Rgb): void {
    for (let yy = Math.round(y); yy < Math.round(y + h); yy += 1) {
      for (let xx = Math.round(x); xx < Math.round(x + w); xx += 1) this.pixel(xx, yy, colour);
    }
  }

  line(x0: number, y0: number, x1: number, y1: number, colour: Rgb, thickness = 1): void {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let s = 0; s <= steps; s += 1) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      this.rect(x - thickness / 2, y - thickness / 2, thickness, thickness, colour);
    }
  }

  text(x: number, y: number, text: string, colour: Rgb, scale = 2): void {
    let cx = x;
    for (const ch of text) {
      const glyph = GLYPHS[ch];
      if (glyph) {
        glyph.forEach((row, gy) => {
          [...row].forEach((bit, gx) => {
            if (bit === '1') this.rect(cx + gx * scale, y + gy * scale, scale, scale, colour);
          });
        });
      }
      cx += 4 * scale;
    }
  }
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * magnitude >= value) ?? 10;
  return step * magnitude;
}

/**
 * A small PNG of weekly incident counts (bars, left axis) and mean time to recover in hours (line,
 * right axis), oldest week on the left. The same numbers go in the message text.
 */
export function renderWeeklyChart(weeks: WeekPoint[]): Buffer {
  const canvas = new Canvas();
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const bottom = PAD.top + plotH;
  const countMax = niceMax(Math.max(0, ...weeks.map((w) => w.incidents)));
  const hoursMax = niceMax(Math.max(0, ...weeks.map((w) => w.mttrHours ?? 0)));
  for (let g = 1; g <= 4; g += 1) canvas.line(PAD.left, bottom - (plotH * g) / 4, PAD.left + plotW, bottom - (plotH * g) / 4, GRID);
  canvas.line(PAD.left, PAD.top, PAD.left, bottom, AXIS);
  canvas.line(PAD.left + plotW, PAD.top, PAD.left + plotW, bottom, AXIS);
  canvas.line(PAD.left, bottom, PAD.left + plotW, bottom, AXIS);
  canvas.text(2, PAD.top, `${countMax}n`, BAR_COLOUR);
  canvas.text(PAD.left + plotW + 3, PAD.top, `${hoursMax}h`, LINE_COLOUR);

  const slot = weeks.length ? plotW / weeks.length : plotW;
  const points: { x: number; y: number }[] = [];
  weeks.forEach((week, index) => {
    const x = PAD.left + slot * index;
    const barH = (plotH * week.incidents) / countMax;
    canvas.rect(x + slot * 0.2, bottom - barH, slot * 0.6, barH, BAR_COLOUR);
    canvas.text(x + slot / 2 - 4, bottom + 6, String(index - weeks.length), AXIS);
    if (week.mttrHours !== null) points.push({ x: x + slot / 2, y: bottom - (plotH * week.mttrHours) / hoursMax });
  });
  for (let i = 1; i < points.length; i += 1) canvas.line(points[i - 1]!.x, points[i - 1]!.y, points[i]!.x, points[i]!.y, LINE_COLOUR, 2);
  for (const p of points) canvas.rect(p.x - 3, p.y - 3, 6, 6, LINE_COLOUR);
  return PNG.sync.write(canvas.png);
}
