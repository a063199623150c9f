/**
 * A dependency-free SVG line chart with logarithmic axes (time vs sequence length).
 * @module
 */

/** One line of the chart. */
export interface Series {
  /** Legend label. */
  name: string;
  /** CSS colour. */
  color: string;
  /** Points `[x, y]` with x, y > 0. */
  points: [number, number][];
}

/** Labels and size of {@linkcode logLogChart}. */
export interface ChartOptions {
  /** Title above the plot. */
  title: string;
  /** x-axis label. */
  xLabel: string;
  /** y-axis label. */
  yLabel: string;
  /** Width in px; default 640. */
  width?: number;
  /** Height in px; default 360. */
  height?: number;
}

const escapeXml = (s: string) =>
  s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);

/** Powers of ten (and 2·, 5· multiples when the range is short) spanning [lo, hi]. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const steps = Math.log10(hi / lo) < 2 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of steps) {
      const t = m * 10 ** e;
      if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(t);
    }
  }
  return ticks;
}

function formatTick(v: number): string {
  return v >= 1000 ? `${v / 1000}k` : v >= 1 ? String(+v.toPrecision(3)) : v.toPrecision(2);
}

/** A point's value as its label: three significant digits. */
export function formatValue(v: number): string {
  return v >= 100 ? v.toFixed(0) : String(+v.toPrecision(3));
}

/**
 * An SVG document (string) plotting every series on log-log axes, with a legend. The x ticks
 * sit at the measured x values (up to 12 of them; log ticks beyond), and every point is
 * labelled with its y value: above the point when it is the highest at its x, else below.
 */
export function logLogChart(series: Series[], options: ChartOptions): string {
  const { width = 640, height = 360 } = options;
  const margin = { left: 64, right: 150, top: 36, bottom: 48 };
  const all = series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0);
  const [xs, ys] = [all.map((p) => p[0]), all.map((p) => p[1])];
  const x0 = all.length ? Math.min(...xs) : 1, x1 = all.length ? Math.max(...xs) : 10;
  // Headroom for the value labels above the highest and below the lowest points.
  const y0 = (all.length ? Math.min(...ys) : 0.1) / 1.6;
  const y1 = (all.length ? Math.max(...ys) : 10) * 1.6;
  const w = width - margin.left - margin.right, h = height - margin.top - margin.bottom;
  const xSpan = Math.log(x1 / x0) || Math.log(2); // one point: avoid 0/0
  const px = (x: number) => margin.left + (w * Math.log(x / x0)) / xSpan;
  const py = (y: number) => margin.top + h - (h * Math.log(y / y0)) / Math.log(y1 / y0);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left}" y="20" font-size="14" font-weight="600">` +
    `${escapeXml(options.title)}</text>`,
  ];
  const measuredX = [...new Set(xs)].sort((a, b) => a - b);
  const xTicks = measuredX.length && measuredX.length <= 12 ? measuredX : logTicks(x0, x1);
  for (const t of xTicks) {
    const label = measuredX.length <= 12 ? String(t) : formatTick(t);
    parts.push(
      `<line x1="${px(t)}" x2="${px(t)}" y1="${margin.top}" y2="${margin.top + h}" stroke="#eee"/>`,
      `<text class="x-tick" x="${px(t)}" y="${
        margin.top + h + 16
      }" text-anchor="middle">${label}</text>`,
    );
  }
  for (const t of logTicks(y0, y1)) {
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + w}" y1="${py(t)}" y2="${
        py(t)
      }" stroke="#eee"/>`,
      `<text x="${margin.left - 6}" y="${py(t) + 4}" text-anchor="end">${formatTick(t)}</text>`,
    );
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${w}" height="${h}" fill="none" stroke="#888"/>`,
    `<text x="${margin.left + w / 2}" y="${height - 10}" text-anchor="middle">` +
      `${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(16 ${margin.top + h / 2}) rotate(-90)" text-anchor="middle">` +
      `${escapeXml(options.yLabel)}</text>`,
  );
  // A value label sits centred over its point, but inside the frame at the first and last x.
  const labelX = (x: number) =>
    x === x0
      ? `x="${(px(x) + 4).toFixed(1)}" text-anchor="start"`
      : x === x1
      ? `x="${(px(x) - 4).toFixed(1)}" text-anchor="end"`
      : `x="${px(x).toFixed(1)}" text-anchor="middle"`;
  const highest = new Map<number, number>();
  for (const [x, y] of all) highest.set(x, Math.max(y, highest.get(x) ?? y));
  series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => x > 0 && y > 0);
    const path = pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    parts.push(
      `<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`,
      ...pts.map(([x, y]) =>
        `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.color}"/>` +
        `<text class="value" ${labelX(x)} y="${
          (py(y) + (y >= (highest.get(x) ?? y) ? -7 : 15)).toFixed(1)
        }" font-size="10" fill="${s.color}">${formatValue(y)}</text>`
      ),
      `<line x1="${width - margin.right + 12}" x2="${width - margin.right + 32}" ` +
        `y1="${margin.top + 10 + 18 * i}" y2="${margin.top + 10 + 18 * i}" ` +
        `stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${width - margin.right + 38}" y="${margin.top + 14 + 18 * i}">` +
        `${escapeXml(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}
