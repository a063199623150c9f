/**
 * `deno task profile --plot out.svg`: the profile table as a picture. One panel per mode and
 * dtype; in each, GPU time against T on log-log axes, one coloured line per op (a dot at each
 * measured T, ticks at the measured T), and, dashed in the op's colour, the time the device
 * ceilings allow for that op's bytes and FLOPs (max of bytes / copy bandwidth and FLOPs / f32
 * FMA rate): the gap between the two lines is what the kernel leaves on the table.
 * @module
 */

/** What the plot needs of a profile row. */
export interface PlotPoint {
  op: string;
  mode: string;
  dtype: string;
  T: number;
  /** Median GPU time, ms. */
  time: { p50: number };
  bytes: number;
  flops: number;
}

/** The measured device ceilings (bench/ceilings.ts). */
export interface PlotCeilings {
  copyGBs: number;
  f32Tflops: number;
}

const PANEL_W = 440, PANEL_H = 320, COLUMNS = 2;
const MARGIN = { left: 64, right: 16, top: 34, bottom: 44 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"];

/** The time (ms) the ceilings allow for `p`'s traffic and arithmetic. */
export function boundMs(p: PlotPoint, c: PlotCeilings): number {
  return Math.max(p.bytes / (c.copyGBs * 1e6), p.flops / (c.f32Tflops * 1e9));
}

/** Ticks on a log axis over [lo, hi]: 1, 2, 5 × 10^k, thinned to at most ~8. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: { t: number; decade: boolean }[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.push({ t, decade: m === 1 });
    }
  }
  return (ticks.length > 8 ? ticks.filter((x) => x.decade) : ticks).map((x) => x.t);
}

const escapeXml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const label = (x: number) =>
  (x >= 1000 || x < 0.01 ? x.toExponential(0) : String(+x.toPrecision(3)))
    .replace("e+", "e");

/** One panel: the rows of one mode and dtype, at offset (x0, y0). */
function panel(
  rows: PlotPoint[],
  title: string,
  x0: number,
  y0: number,
  ops: string[],
  ceilings?: PlotCeilings,
): string {
  const Ts = [...new Set(rows.map((r) => r.T))].sort((a, b) => a - b);
  const times = rows.map((r) => r.time.p50).concat(
    ceilings ? rows.map((r) => boundMs(r, ceilings)) : [],
  );
  const [tLo, tHi] = Ts.length > 1 ? [Ts[0], Ts[Ts.length - 1]] : [Ts[0] / 2, Ts[0] * 2];
  const yLo = Math.min(...times) / 1.5, yHi = Math.max(...times) * 1.5;
  const w = PANEL_W - MARGIN.left - MARGIN.right, h = PANEL_H - MARGIN.top - MARGIN.bottom;
  const px = (T: number) => x0 + MARGIN.left + (w * Math.log(T / tLo)) / Math.log(tHi / tLo);
  const py = (ms: number) => y0 + MARGIN.top + h - (h * Math.log(ms / yLo)) / Math.log(yHi / yLo);
  const f = (v: number) => v.toFixed(1);
  const out = [
    `<text x="${f(x0 + PANEL_W / 2)}" y="${y0 + 20}" text-anchor="middle" font-weight="bold">${
      escapeXml(title)
    }</text>`,
    `<rect x="${x0 + MARGIN.left}" y="${y0 + MARGIN.top}" width="${w}" height="${h}" ` +
    `fill="none" stroke="#888"/>`,
  ];
  for (const T of Ts) {
    out.push(
      `<line x1="${f(px(T))}" x2="${f(px(T))}" y1="${y0 + MARGIN.top + h}" y2="${
        y0 + MARGIN.top + h + 5
      }" stroke="#888"/>`,
      `<text x="${f(px(T))}" y="${y0 + MARGIN.top + h + 18}" text-anchor="middle">${T}</text>`,
    );
  }
  out.push(
    `<text x="${f(x0 + MARGIN.left + w / 2)}" y="${y0 + PANEL_H - 6}" text-anchor="middle">` +
      `T (tokens, log)</text>`,
  );
  for (const ms of logTicks(yLo, yHi)) {
    out.push(
      `<line x1="${x0 + MARGIN.left}" x2="${x0 + MARGIN.left + w}" y1="${f(py(ms))}" y2="${
        f(py(ms))
      }" stroke="#eee"/>`,
      `<text x="${x0 + MARGIN.left - 6}" y="${f(py(ms) + 4)}" text-anchor="end">${
        label(ms)
      }</text>`,
    );
  }
  out.push(
    `<text transform="translate(${x0 + 14} ${f(y0 + MARGIN.top + h / 2)}) rotate(-90)" ` +
      `text-anchor="middle">GPU ms (log)</text>`,
  );
  for (const op of ops) {
    const own = rows.filter((r) => r.op === op).sort((a, b) => a.T - b.T);
    if (!own.length) continue;
    const color = COLORS[ops.indexOf(op) % COLORS.length];
    const line = (ms: (r: PlotPoint) => number) => own.map((r) => `${f(px(r.T))},${f(py(ms(r)))}`);
    if (ceilings) {
      out.push(
        `<polyline class="bound" points="${line((r) => boundMs(r, ceilings)).join(" ")}" ` +
          `fill="none" stroke="${color}" stroke-dasharray="5 4" opacity="0.7"/>`,
      );
    }
    out.push(
      `<polyline class="measured" points="${line((r) => r.time.p50).join(" ")}" fill="none" ` +
        `stroke="${color}" stroke-width="2"/>`,
      ...own.map((r) =>
        `<circle cx="${f(px(r.T))}" cy="${f(py(r.time.p50))}" r="3" fill="${color}">` +
        `<title>${escapeXml(`${op} T=${r.T}: ${r.time.p50.toPrecision(3)} ms`)}</title></circle>`
      ),
    );
  }
  return out.join("\n");
}

/**
 * The SVG document for `rows` (at least one), titled `title`; the dashed bound lines need the
 * measured `ceilings`.
 */
export function profilePlotSvg(
  rows: readonly PlotPoint[],
  title: string,
  ceilings?: PlotCeilings,
): string {
  if (!rows.length) throw new RangeError("profilePlotSvg: no rows to plot");
  const ops = [...new Set(rows.map((r) => r.op))];
  const panels = [...new Set(rows.map((r) => `${r.mode} ${r.dtype}`))];
  const rowsOfPanels = Math.ceil(panels.length / COLUMNS);
  const legendY = 40 + rowsOfPanels * PANEL_H;
  const width = PANEL_W * Math.min(COLUMNS, panels.length);
  const height = legendY + 20 * (ops.length + 1) + 10;
  const body = panels.map((key, i) =>
    panel(
      rows.filter((r) => `${r.mode} ${r.dtype}` === key),
      key,
      (i % COLUMNS) * PANEL_W,
      30 + Math.floor(i / COLUMNS) * PANEL_H,
      ops,
      ceilings,
    )
  );
  const legend = ops.map((op, i) =>
    `<line x1="20" x2="44" y1="${legendY + 20 * i}" y2="${legendY + 20 * i}" stroke="${
      COLORS[i % COLORS.length]
    }" stroke-width="2"/><text x="52" y="${legendY + 20 * i + 4}">${escapeXml(op)}</text>`
  );
  if (ceilings) {
    legend.push(
      `<line x1="20" x2="44" y1="${legendY + 20 * ops.length}" y2="${
        legendY + 20 * ops.length
      }" stroke="#444" stroke-dasharray="5 4"/><text x="52" y="${
        legendY + 20 * ops.length + 4
      }">bound from the ceilings: copy ${label(ceilings.copyGBs)} GB/s, f32 FMA ${
        label(ceilings.f32Tflops)
      } TFLOP/s</text>`,
    );
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14">${escapeXml(title)}</text>`,
    ...body,
    ...legend,
    "</svg>",
    "",
  ].join("\n");
}
