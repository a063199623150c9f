/**
 * Tile sweep for the fused linear-attention kernels (issue 5): times forward and
 * forward+backward for each candidate of `LA_TILES` on one shape, checks every candidate's
 * output and gradients against the first candidate's (same inputs; the first 2^20 elements of
 * each), and prints a table.
 *
 *   deno run -A bench/la_tiles.ts [--B 8 --H 16 --D 64 --T 1024,32768 --dtype f16]
 * @module
 */
import { LA_TILES } from "../ops/linear_attention/engine.ts";
import { linearAttention } from "../ops/linear_attention/mod.ts";
import { DIFF_COLUMN, openSweep, sweepTilings } from "./_sweep.ts";

type Tiles = typeof LA_TILES;
const DEFAULT: Tiles = structuredClone(LA_TILES);

/**
 * Candidates: named overrides of the default tiling. State-pass knobs: `chunkMax`/`chunkMin`
 * (rows per workgroup, i.e. how many partial states), `groups` (target workgroup count),
 * `maxTile`/`rows`/`rowsPerThread`/`vec4sPerThread` (tiles); row-pass knobs: `block`,
 * `inner`, `rowsPerThread`, `vec4sPerThread`; `vecLoads` in either (4 features per staging
 * load).
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
  ["vec loads state", { vecLoads: true }, {}],
  ["vec loads rows", {}, { vecLoads: true }],
  ["vec loads both", { vecLoads: true }, { vecLoads: true }],
];

const sweep = await openSweep("1024,32768");
const tilings = CANDIDATES.filter(([name]) => sweep.only(name)).map(([name, state, rows]) => ({
  name,
  apply() {
    Object.assign(LA_TILES.state, DEFAULT.state, state);
    Object.assign(LA_TILES.rows, DEFAULT.rows, rows);
  },
}));

console.log(`| T | tiling | fwd ms | fwd+bwd ms | ${DIFF_COLUMN} |`);
console.log(`|---|---|---|---|---|`);
await sweepTilings(sweep, linearAttention, tilings, 2, ({ T, name, fwdMs, fwdBwdMs, diff }) => {
  console.log(
    `| ${T} | ${name} | ${fwdMs.toFixed(3)} | ${fwdBwdMs.toFixed(3)} | ${diff.toExponential(1)} |`,
  );
});
