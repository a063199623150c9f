/**
 * Tile sweep for the fused linear-attention kernels (issue 5): times forward and
 * forward+backward for each candidate of `LA_TILES` on one shape, checks every candidate's
 * output and gradients against the first candidate's (same inputs), and prints a table.
 *
 *   deno run -A bench/la_tiles.ts [--B 8 --H 16 --D 64 --T 1024,32768 --dtype f16]
 * @module
 */
import { parseArgs } from "node:util";
import { type DType, quantiles, requestDevice, timeGpu } from "../ops/_runtime/mod.ts";
import { LA_TILES } from "../ops/linear_attention/engine.ts";
import { linearAttention } from "../ops/linear_attention/mod.ts";
import { makeInputs } from "./ops.ts";

type Tiles = typeof LA_TILES;
const DEFAULT: Tiles = structuredClone(LA_TILES);

/**
 * Candidates: named overrides of the default tiling. State-pass knobs: `chunkMax`/`chunkMin`
 * (rows per workgroup, i.e. how many partial states), `groups` (target workgroup count),
 * `maxTile`/`rows`/`rowsPerThread`/`vec4sPerThread` (tiles); row-pass knobs: `block`,
 * `inner`, `rowsPerThread`, `vec4sPerThread`.
 */
const CANDIDATES: [string, Partial<Tiles["state"]>, Partial<Tiles["rows"]>][] = [
  ["default", {}, {}],
  ["chunk256", { chunkMax: 256 }, {}],
  ["chunk1024", { chunkMax: 1024 }, {}],
  ["chunk2048", { chunkMax: 2048, groups: 1024 }, {}],
  ["chunkMin128", { chunkMin: 128 }, {}],
  ["chunkMin256", { chunkMin: 256, chunkMax: 1024 }, {}],
  ["groups16k", { groups: 16384, chunkMin: 32 }, {}],
  ["state rows32", { rows: 32 }, {}],
  ["state rows8", { rows: 8 }, {}],
  ["state 32x32", { maxTile: 32 }, {}],
  ["state 8x4", { rowsPerThread: 8 }, {}],
  ["state 8x8", { rowsPerThread: 8, vec4sPerThread: 2 }, {}],
  ["state 4x8", { vec4sPerThread: 2 }, {}],
  ["rows block128", {}, { block: 128 }],
  ["rows 8x4 block128", {}, { block: 128, rowsPerThread: 8 }],
  ["rows 4x8", {}, { vec4sPerThread: 2 }],
  ["rows 8x8 block128", {}, { block: 128, rowsPerThread: 8, vec4sPerThread: 2 }],
  ["rows inner32", {}, { inner: 32 }],
  ["rows inner8", {}, { inner: 8 }],
];

const { values } = parseArgs({
  args: Deno.args,
  options: {
    B: { type: "string", default: "8" },
    H: { type: "string", default: "16" },
    D: { type: "string", default: "64" },
    T: { type: "string", default: "1024,32768" },
    dtype: { type: "string", default: "f16" },
    reps: { type: "string", default: "10" },
    only: { type: "string" },
  },
});
const device = await requestDevice();
const [B, H, D, reps] = [values.B, values.H, values.D, values.reps].map(Number);
const dtype = values.dtype as DType;
const chosen = values.only
  ? CANDIDATES.filter(([name]) => values.only!.split(",").includes(name))
  : CANDIDATES;

console.log(`| T | tiling | fwd ms | fwd+bwd ms | max rel. diff vs first |`);
console.log(`|---|---|---|---|---|`);
for (const T of values.T.split(",").map(Number)) {
  using inputs = makeInputs(device, { B, H, T, D }, dtype, "BHTD");
  const { q, k, v, dO } = inputs;
  let first: Float32Array[] | undefined;
  for (const [name, state, rows] of chosen) {
    Object.assign(LA_TILES.state, DEFAULT.state, state);
    Object.assign(LA_TILES.rows, DEFAULT.rows, rows);
    const fwd = () => linearAttention(q, k, v).destroy();
    const fwdBwd = () => {
      using run = linearAttention.vjp(q, k, v);
      const g = run.pullback(dO);
      for (const t of [run.output, g.dq, g.dk, g.dv]) t.destroy();
    };
    // Correctness against the first candidate (catches a tiling that breaks the math).
    using run = linearAttention.vjp(q, k, v);
    const g = run.pullback(dO);
    const outs = await Promise.all([run.output, g.dq, g.dk, g.dv].map((t) => t.read()));
    for (const t of [run.output, g.dq, g.dk, g.dv]) t.destroy();
    first ??= outs;
    const diff = Math.max(...outs.map((o, i) => relDiff(o, first![i])));
    await timeGpu(device, fwdBwd, 2); // warm-up (compiles)
    const tf = quantiles(await timeGpu(device, fwd, reps)).p50;
    const tb = quantiles(await timeGpu(device, fwdBwd, reps)).p50;
    console.log(
      `| ${T} | ${name} | ${tf.toFixed(3)} | ${tb.toFixed(3)} | ${diff.toExponential(1)} |`,
    );
  }
}

function relDiff(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Number.isFinite(num) ? Math.sqrt(num / den) : Infinity;
}
