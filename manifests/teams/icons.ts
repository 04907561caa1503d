import { PNG } from 'pngjs';

/**
 * The Teams app icons, drawn in code so they can be regenerated and checked: a shield with an
 * exclamation mark. `npm run manifest:teams` writes color.png and outline.png from these (and a
 * test fails when the committed PNGs differ from what this draws).
 *
 * - color.png, 192×192: a white shield on a full-bleed accent background, the mark cut out in the
 *   accent colour; the shield stays inside the central 120×120 safe area Teams recommends.
 * - outline.png, 32×32: the same shield in white on transparent, the mark transparent. Edges are
 *   antialiased through alpha only, so every pixel is white or fully transparent.
 */

/** The accent colour: the colour icon's background and the manifest's accentColor. */
export const ACCENT_COLOR = '#7A1F1F';

export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;

/** Samples per pixel along each axis for antialiasing (8 × 8 = 64 per pixel). */
const SUPERSAMPLE = 8;

/** The shield, in its own box [0,1]²: a flat top, straight sides, then a curve to a point. */
function inShield(s: number, t: number): boolean {
  if (t < 0 || t > 1) return false;
  const shoulder = 0.5;
  let halfWidth = 0.5;
  if (t > shoulder) {
    const u = (t - shoulder) / (1 - shoulder);
    halfWidth = 0.5 * (1 - u * u);
  }
  return Math.abs(s - 0.5) <= halfWidth;
}

/** The "!" inside the shield's box: a rounded bar and a dot. */
function inMark(s: number, t: number): boolean {
  const barTop = 0.2;
  const barBottom = 0.5;
  const barRadius = 0.075;
  const clampedT = Math.min(Math.max(t, barTop), barBottom);
  const ds = s - 0.5;
  const dt = t - clampedT;
  if (ds * ds + dt * dt <= barRadius * barRadius) return true;
  const dotT = 0.74;
  const dotRadius = 0.08;
  const dotDt = t - dotT;
  return ds * ds + dotDt * dotDt <= dotRadius * dotRadius;
}

interface Box {
  /** Left, top, width and height of the shield's box as fractions of the icon. */
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Fraction of each pixel covered by the shield minus the mark (0..1), row by row. */
function coverage(size: number, box: Box): Float64Array {
  const result = new Float64Array(size * size);
  const samples = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const x = (px + (sx + 0.5) / SUPERSAMPLE) / size;
          const y = (py + (sy + 0.5) / SUPERSAMPLE) / size;
          const s = (x - box.x) / box.width;
          const t = (y - box.y) / box.height;
          if (inShield(s, t) && !inMark(s, t)) hits++;
        }
      }
      result[py * size + px] = hits / samples;
    }
  }
  return result;
}

function hexToRgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

/** 192×192, opaque: the accent background with a white shield (96 × 116 px, centred). */
export function drawColorIcon(): PNG {
  const size = COLOR_ICON_SIZE;
  const png = new PNG({ width: size, height: size });
  const [r, g, b] = hexToRgb(ACCENT_COLOR);
  const cover = coverage(size, { x: 48 / size, y: 38 / size, width: 96 / size, height: 116 / size });
  for (let i = 0; i < size * size; i++) {
    const c = cover[i]!;
    png.data[i * 4] = Math.round(r + (255 - r) * c);
    png.data[i * 4 + 1] = Math.round(g + (255 - g) * c);
    png.data[i * 4 + 2] = Math.round(b + (255 - b) * c);
    png.data[i * 4 + 3] = 255;
  }
  return png;
}

/** 32×32: white shield on transparent (25 × 30 px, centred), the "!" transparent. */
export function drawOutlineIcon(): PNG {
  const size = OUTLINE_ICON_SIZE;
  const png = new PNG({ width: size, height: size });
  const cover = coverage(size, { x: 3.5 / size, y: 1 / size, width: 25 / size, height: 30 / size });
  for (let i = 0; i < size * size; i++) {
    const alpha = Math.round(cover[i]! * 255);
    // Fully transparent pixels are written as 0,0,0,0; visible ones are pure white.
    const white = alpha > 0 ? 255 : 0;
    png.data[i * 4] = white;
    png.data[i * 4 + 1] = white;
    png.data[i * 4 + 2] = white;
    png.data[i * 4 + 3] = alpha;
  }
  return png;
}

/** The PNG file bytes of an icon. */
export function encodePng(png: PNG): Buffer {
  return PNG.sync.write(png, { colorType: 6 });
}
