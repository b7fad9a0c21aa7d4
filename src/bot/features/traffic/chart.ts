/**
 * The traffic chart: daily bars (download + upload stacked) drawn as a hand-made SVG and
 * rendered to PNG by resvg with DejaVu Sans only — no system font scan, same pixels everywhere.
 */
import { existsSync } from 'node:fs';
import type { DayTraffic } from '../../../services/reports.service.ts';
import { escapeHtml, formatBytes, unitOf } from '../../kit/index.ts';
import type * as ResvgJs from '@resvg/resvg-js';
import { lazyModule } from '../../../lazy-module.ts';

const resvgJs = lazyModule<typeof ResvgJs>('@resvg/resvg-js');

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const FONT_FILES = existsSync(FONT) ? [FONT] : [];

const WIDTH = 800;
const HEIGHT = 420;
const PAD = { left: 86, right: 20, top: 56, bottom: 48 };
const COLORS = { download: '#3b82f6', upload: '#93c5fd', grid: '#e5e7eb', text: '#374151' };

/** The chart's texts, in the reader's language. */
export interface ChartLabels {
  title: string;
  download: string;
  upload: string;
  /** Shown across an empty chart. */
  empty: string;
  locale: string;
}

/** Room a `dd.mm` date label needs at 12 px (≈ 38 px wide), so neighbours never touch. */
const MIN_LABEL_GAP = 44;

/** A round top for the y axis in the unit its labels use, so the quarter lines read well. */
function niceMax(max: number): number {
  if (max <= 0) return 1024 ** 2; // an empty chart still shows a 1 MB scale
  const unit = 1024 ** (unitOf(max) + 1);
  const value = max / unit;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 4, 8, 10].find((s) => s * power >= value)!;
  return step * power * unit;
}

/** The SVG of a chart of `days` (oldest first). */
export function trafficChartSvg(days: DayTraffic[], labels: ChartLabels): string {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const top = niceMax(Math.max(0, ...days.map((d) => d.download_bytes + d.upload_bytes)));
  const slot = plotW / Math.max(1, days.length);
  const barW = Math.max(2, slot * 0.7);
  const y = (bytes: number) => PAD.top + plotH - (bytes / top) * plotH;
  const text = (x: number, yy: number, s: string, extra = '') =>
    `<text x="${x.toFixed(1)}" y="${yy.toFixed(1)}" ${extra}>${escapeHtml(s)}</text>`;

  const parts: string[] = [
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    text(PAD.left, 32, labels.title, 'font-size="20" font-weight="bold"'),
    `<rect x="${WIDTH - 250}" y="20" width="14" height="14" fill="${COLORS.download}"/>`,
    text(WIDTH - 230, 32, labels.download, 'font-size="14"'),
    `<rect x="${WIDTH - 125}" y="20" width="14" height="14" fill="${COLORS.upload}"/>`,
    text(WIDTH - 105, 32, labels.upload, 'font-size="14"'),
  ];
  if (days.every((d) => d.download_bytes + d.upload_bytes === 0)) {
    const middle = PAD.top + plotH / 2;
    parts.push(text(PAD.left + plotW / 2, middle - 8, labels.empty, 'font-size="20" text-anchor="middle"'));
  }
  const unit = unitOf(top);
  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    const yy = y(top * fraction);
    parts.push(
      `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${yy}" y2="${yy}" stroke="${COLORS.grid}"/>`,
      text(
        PAD.left - 8,
        yy + 4,
        formatBytes(top * fraction, labels.locale, unit),
        'font-size="12" text-anchor="end"',
      ),
    );
  }
  const lastCenter = PAD.left + (days.length - 1) * slot + slot / 2;
  days.forEach((d, i) => {
    const x = PAD.left + i * slot + (slot - barW) / 2;
    const downTop = y(d.download_bytes);
    const bothTop = y(d.download_bytes + d.upload_bytes);
    const base = PAD.top + plotH;
    if (d.download_bytes > 0) {
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${downTop.toFixed(1)}" width="${barW.toFixed(1)}" height="${(base - downTop).toFixed(1)}" fill="${COLORS.download}"/>`,
      );
    }
    if (d.upload_bytes > 0) {
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${bothTop.toFixed(1)}" width="${barW.toFixed(1)}" height="${(downTop - bothTop).toFixed(1)}" fill="${COLORS.upload}"/>`,
      );
    }
    // A date under every fifth bar and the last one (today); a fifth too close to today gives way.
    const last = i === days.length - 1;
    if (last || (i % 5 === 0 && lastCenter - (x + barW / 2) >= MIN_LABEL_GAP)) {
      const [, month, day] = d.day.split('-');
      parts.push(
        text(
          x + barW / 2,
          HEIGHT - PAD.bottom + 20,
          `${day}.${month}`,
          'font-size="12" text-anchor="middle"',
        ),
      );
    }
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" ` +
    `font-family="DejaVu Sans" fill="${COLORS.text}">${parts.join('')}</svg>`
  );
}

/** The chart as a PNG. */
export function trafficChartPng(days: DayTraffic[], labels: ChartLabels): Buffer {
  const resvg = new (resvgJs().Resvg)(trafficChartSvg(days, labels), {
    font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
