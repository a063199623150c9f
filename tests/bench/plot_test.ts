import assert from "node:assert/strict";
import { boundMs, logTicks, type PlotPoint, profilePlotSvg } from "../../bench/plot.ts";

const point = (op: string, mode: string, T: number, ms: number): PlotPoint => ({
  op,
  mode,
  dtype: "f32",
  T,
  time: { p50: ms },
  bytes: 1e6 * T,
  flops: 1e9 * T,
});

/** The centres of the dots of `op` (in document order), from their tooltips. */
function dots(svg: string, op: string): { x: number; y: number }[] {
  const re = new RegExp(`<circle cx="([\\d.]+)" cy="([\\d.]+)"[^>]*><title>${op} T=`, "g");
  return [...svg.matchAll(re)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
}

Deno.test("profile plot: one panel per mode, a line per op, log axes, bound lines dashed", () => {
  const rows = [
    point("linear_attention", "fwd", 64, 0.1),
    point("linear_attention", "fwd", 128, 1),
    point("linear_attention", "fwd", 256, 10),
    point("sdpa", "fwd", 64, 0.2),
    point("sdpa", "fwd", 256, 3),
    point("linear_attention", "fwdbwd", 64, 0.5),
    point("linear_attention", "fwdbwd", 256, 4),
  ];
  const ceilings = { copyGBs: 1000, f32Tflops: 10 };
  const svg = profilePlotSvg(rows, "H200 <test> & co", ceilings);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /H200 &lt;test&gt; &amp; co/); // the title is escaped
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  assert.match(svg, />fwd f32<\/text>/);
  assert.match(svg, />fwdbwd f32<\/text>/);
  assert.equal(svg.match(/class="measured"/g)?.length, 3); // 2 ops in fwd, 1 in fwdbwd
  assert.equal(svg.match(/class="bound"[^>]*stroke-dasharray/g)?.length, 3);
  for (const T of [64, 128, 256]) assert.match(svg, new RegExp(`text-anchor="middle">${T}</text>`));
  // log x: T doubles → equal steps; log y: ×10 in time → equal steps, upward.
  const [a, b, c] = dots(svg, "linear_attention");
  assert.ok(Math.abs((b.x - a.x) - (c.x - b.x)) < 0.15, JSON.stringify([a, b, c]));
  assert.ok(Math.abs((a.y - b.y) - (b.y - c.y)) < 0.15 && a.y > b.y, JSON.stringify([a, b, c]));
  assert.match(svg, /copy 1e3 GB\/s, f32 FMA 10 TFLOP\/s/);
  // Without ceilings: no bound lines.
  assert.equal(profilePlotSvg(rows, "t").match(/class="bound"/g), null);
  assert.throws(() => profilePlotSvg([], "t"), /no rows/);
});

Deno.test("profile plot helpers: the ceilings' bound, log ticks", () => {
  // 1e6·64 bytes at 1000 GB/s = 0.064 ms; 1e9·64 FLOPs at 10 TFLOP/s = 6.4 ms: the larger.
  assert.equal(boundMs(point("x", "fwd", 64, 1), { copyGBs: 1000, f32Tflops: 10 }), 6.4);
  assert.deepEqual(logTicks(0.15, 12), [0.2, 0.5, 1, 2, 5, 10]);
  assert.deepEqual(logTicks(0.001, 1000), [0.001, 0.01, 0.1, 1, 10, 100, 1000]);
});
