/**
 * The linear-attention GPU sweep (issue 12), one command: the microbenchmark ladder
 * (bench/ladder.ts), then every candidate tiling and precision of `linearAttention` at each T
 * (forward and forward+backward, GPU timestamps, medians of back-to-back samples), with and
 * without subgroups, in the storage dtype and (`--f32T`) in f32 storage; each candidate's
 * output and gradients are compared with the first candidate's. Writes `la_sweep.md` into
 * `--out` (rewritten after every row, so that a run cut short keeps what it measured) and
 * prints the same tables.
 *
 *   deno run --no-lock -A bench/la_sweep.ts --out <dir> [--B 8 --H 16 --D 64 --T 1024,32768
 *     --f32T 32768 --dtype f16 --reps 10 --rounds 2 --only a,b --no-ladder]
 *
 * Each row is the fastest of `--rounds` interleaved rounds (bench/_sweep.ts says why).
 * @module
 */
import { parseArgs } from "node:util";
import { type DType, requestDevice } from "../ops/_runtime/mod.ts";
import type { LaTilingOverrides } from "../ops/linear_attention/engine.ts";
import { linearAttention } from "../ops/linear_attention/mod.ts";
import type { LaPrecision } from "../shaders/linear_attention/kernels.ts";
import { ladderTable, runLadder } from "./ladder.ts";
import { isCpuAdapter } from "./measure.ts";
import { DIFF_COLUMN, sweepTilings, type SweptOp } from "./_sweep.ts";

/** A candidate: a name, tiling overrides and a precision. */
type Candidate = [string, LaTilingOverrides, LaPrecision];

/** 4 × 4 and 8 × 8 outputs per invocation. */
const FOUR = { rowsPerThread: 4, colsPerThread: 4 };
const EIGHT = { rowsPerThread: 8, colsPerThread: 8 };
const FOUR_EIGHT = { rowsPerThread: 4, colsPerThread: 8 };

/**
 * Candidates in the storage dtype (the first is the reference of the diff column): each differs
 * from the defaults in what its name says.
 */
const CANDIDATES: Candidate[] = [
  ["default", {}, "f32"],
  ["f16 precision", {}, "f16"],
  // Inputs staged as f32: the same results as the default (diff 0).
  ["no f16 staging", { f16Staging: false }, "f32"],
  // The row passes' X staged as f32 (fetched as stored, converted at the store; session 8), in
  // every role, in one, or with other register tiles.
  ["rows f32 staging", { rows: { f16Staging: false } }, "f32"],
  ["o f32 staging", { rows: { byRole: { o: { f16Staging: false } } } }, "f32"],
  ["dq f32 staging", { rows: { byRole: { dq: { f16Staging: false } } } }, "f32"],
  ["dk dv f32 staging", {
    rows: { byRole: { dk: { f16Staging: false }, dv: { f16Staging: false } } },
  }, "f32"],
  ["rows f32 staging 4x8", { rows: { f16Staging: false, ...FOUR_EIGHT } }, "f32"],
  ["rows f32 staging 8x8", { rows: { f16Staging: false, ...EIGHT } }, "f32"],
  ["subgroups", { subgroups: true }, "f32"],
  // One staging buffer everywhere (the default before session 4), in the backward state pass
  // (its default before session 7), or in both or the forward state pass (session 9, call 6).
  ["1 buffer", { buffers: 1 }, "f32"],
  ["state bwd 1 buffer", { state: { byPass: { bwd: { buffers: 1 } } } }, "f32"],
  ["state 1 buffer", { state: { buffers: 1 } }, "f32"],
  ["state fwd 1 buffer", { state: { byPass: { fwd: { buffers: 1 } } } }, "f32"],
  // The backward state pass with q staged as f16 (its default before session 7, call 10).
  ["state bwd f16 staging", { state: { byPass: { bwd: { f16Staging: true } } } }, "f32"],
  ["state bwd 4x4 1 buffer", { state: { byPass: { bwd: { ...FOUR, buffers: 1 } } } }, "f32"],
  ["state bwd 4x4", { state: { byPass: { bwd: FOUR } } }, "f32"],
  ["state bwd 8x4 1 buffer", {
    state: { byPass: { bwd: { rowsPerThread: 8, colsPerThread: 4, buffers: 1 } } },
  }, "f32"],
  ["steps 16 both", { state: { steps: 16 }, rows: { steps: 16 } }, "f32"],
  ["steps 4 both", { state: { steps: 4 }, rows: { steps: 4 } }, "f32"],
  ["rows steps 16", { rows: { steps: 16 } }, "f32"],
  ["rows steps 32", { rows: { steps: 32 } }, "f32"],
  ["scalar loads", { vecLoads: false }, "f32"],
  ["scalar stores", { vecStores: false }, "f32"],
  ["scalar state loads", { vecStateLoads: false }, "f32"],
  // The FMA loop over the staged indices, 2 per iteration (indices no longer literals).
  ["FMA loop", { unroll: 2 }, "f32"],
  ["no state fill", { state: { fillBelow: 0 } }, "f32"],
  ["no transposed state", { transposedState: false }, "f32"],
  ["state 4x4", { state: FOUR }, "f32"],
  ["rows 8x8", { rows: EIGHT }, "f32"],
  ["rows 4x4 steps 16", { rows: { ...FOUR, steps: 16 } }, "f32"],
  ["both 4x4", { state: FOUR, rows: FOUR }, "f32"],
  ["state 8x4", { state: { colsPerThread: 4 } }, "f32"],
  ["state 8x8", { state: EIGHT }, "f32"],
  ["state steps 16", { state: { steps: 16 } }, "f32"],
  ["f16 precision + state steps 16", { state: { steps: 16 } }, "f16"],
  ["rows block 128", { rows: { block: 128 } }, "f32"],
  ["rows block 32", { rows: { block: 32 } }, "f32"],
  ["f16 precision + 1 buffer", { buffers: 1 }, "f16"],
  ["f16 precision + both 4x4", { state: FOUR, rows: FOUR }, "f16"],
  // X transposed while staged in the row passes (the default before session 4; diff 0).
  ["transposed x", { rowMajorX: false }, "f32"],
  ["rows 4x16", { rows: { rowsPerThread: 4, colsPerThread: 16 } }, "f32"],
  // Rows per invocation (the default 8 × 4 since session 4).
  ["rows 4x8", { rows: FOUR_EIGHT }, "f32"],
  ["o and dq 4x8", { rows: { byRole: { o: FOUR_EIGHT, dq: FOUR_EIGHT } } }, "f32"],
  ["dq 4x8", { rows: { byRole: { dq: FOUR_EIGHT } } }, "f32"],
  ["rows 16x4", { rows: { rowsPerThread: 16, colsPerThread: 4 } }, "f32"],
  ["f16 precision + rows 8x8", { rows: EIGHT }, "f16"],
  // Session 5: the whole inner dimension (or half of it) staged at once, one barrier pair per
  // row block, against two buffers of 8 staged features.
  ["rows steps 64 1 buffer", { buffers: 1, rows: { steps: 64 }, state: { buffers: 2 } }, "f32"],
  ["rows steps 32 1 buffer", { buffers: 1, rows: { steps: 32 }, state: { buffers: 2 } }, "f32"],
  ["rows block 128 steps 64 1 buffer", {
    buffers: 1,
    rows: { block: 128, steps: 64 },
    state: { buffers: 2 },
  }, "f32"],
  ["rows 4x8 steps 64 1 buffer", {
    buffers: 1,
    rows: { ...FOUR_EIGHT, steps: 64 },
    state: { buffers: 2 },
  }, "f32"],
  ["state fwd steps 32 1 buffer", {
    state: { byPass: { fwd: { steps: 32, buffers: 1 } } },
  }, "f32"],
  ["state steps 32 1 buffer", { state: { steps: 32, buffers: 1 } }, "f32"],
  ["state steps 64 1 buffer", { state: { steps: 64, buffers: 1 } }, "f32"],
  // 32 × 32 state tiles: 4 workgroups per chunk and head, so that short sequences (whose chunks
  // the scratch size keeps long) still give the pass thousands of workgroups.
  ["state tile 32", { state: { maxTile: 32 } }, "f32"],
  [
    "state fwd tile 32",
    { state: { byPass: { fwd: { maxTile: 32 } } } },
    "f32",
  ],
  ["state tile 32 4x4", { state: { maxTile: 32, ...FOUR } }, "f32"],
  // 8 × 8 state tiles in one pass: a third fewer f16 → f32 conversions per FMA.
  ["state fwd 8x8", { state: { byPass: { fwd: EIGHT } } }, "f32"],
  ["state fwd 8x8 1 buffer", {
    state: { byPass: { fwd: { ...EIGHT, buffers: 1 } } },
  }, "f32"],
  ["state bwd 8x8 1 buffer", { state: { byPass: { bwd: { ...EIGHT, buffers: 1 } } } }, "f32"],
  // The state passes staged as f16 (same bits): both (the default before session 6), or the
  // forward's only.
  ["state f16 staging", { state: { f16Staging: true } }, "f32"],
  ["state fwd f16 staging", { state: { byPass: { fwd: { f16Staging: true } } } }, "f32"],
];

// The fill tiles (state passes with few workgroups, T ≤ 8192 at B8-H16-D64) split into groups
// of invocations that each cover the whole tile and multiply 1/split of the staged rows
// (session 10): larger per-invocation tiles at the same invocation count; "groups 384" and "groups
// 512" take 1.5× and 2× the workgroups (chunks of 2/3 and half the rows; session 11), "below 2048"
// fills up to T = 16384.
const fill = (rm: number, rn: number, split: number, steps?: number) => ({
  fill: { rowsPerThread: rm, colsPerThread: rn, split, steps },
});
for (const [rm, rn, split] of [[4, 4, 1], [4, 8, 2], [8, 8, 4], [4, 8, 4], [4, 4, 2]]) {
  CANDIDATES.push([`fill ${rm}x${rn} split ${split}`, { state: fill(rm, rn, split) }, "f32"]);
}
CANDIDATES.push(
  ["fill 4x8 split 2 groups 512", { state: { ...fill(4, 8, 2), groups: 512 } }, "f32"],
  ["fill 4x4 groups 512", { state: { ...fill(4, 4, 1), groups: 512 } }, "f32"],
  ["fill groups 384", { state: { groups: 384 } }, "f32"],
  ["fill groups 512", { state: { groups: 512 } }, "f32"],
  ["fill 4x8 split 2 below 2048", {
    state: { ...fill(4, 8, 2), fillBelow: 2048, byPass: { fwd: { fillBelow: 1024 } } },
  }, "f32"],
  ["f16 precision + fill 4x8 split 2", { state: fill(4, 8, 2) }, "f16"],
  ["f16 precision + fill 4x4", { state: fill(4, 4, 1) }, "f16"],
);
// f16 inputs fetched 8 features (16 bytes) per load in the state passes: half the load
// instructions (session 11: decoupled's third load per row costs its state passes 40 %).
CANDIDATES.push(
  ["state wide loads", { state: { wideLoads: true } }, "f32"],
  ["state fwd wide loads", { state: { byPass: { fwd: { wideLoads: true } } } }, "f32"],
  ["state bwd wide loads", { state: { byPass: { bwd: { wideLoads: true } } } }, "f32"],
  ["f16 precision + state wide loads", { state: { wideLoads: true } }, "f16"],
);
// Each group multiplying 16 staged rows per step (the 4 × 4 tiles: 32): twice the work between
// a step's loads and their use (session 10, call 2).
for (const [rm, rn, split, steps] of [[8, 4, 2, 16], [4, 8, 2, 16], [4, 4, 1, 32], [8, 8, 2, 16]]) {
  CANDIDATES.push([
    `fill ${rm}x${rn} split ${split} steps ${steps}`,
    { state: fill(rm, rn, split, steps) },
    "f32",
  ]);
}

// Row tiles of 32 output features (dq of the normalised ops keeps all of d_k): twice the
// workgroups, so that the last wave of a row pass at T = 4096 idles a smaller share (session 10,
// call 3).
const half = (o: object) => ({ rows: { byRole: { o, dk: o, dv: o } } });
CANDIDATES.push(
  ["o tile 32", { rows: { byRole: { o: { maxTile: 32 } } } }, "f32"],
  ["rows tile 32", half({ maxTile: 32 }), "f32"],
  ["rows tile 32 4x4", half({ maxTile: 32, ...FOUR }), "f32"],
  ["rows block 128 tile 32", half({ maxTile: 32, block: 128 }), "f32"],
);

// One chunk per segment up to T = 8192 (no reduce; 128 workgroups at B8-H16), their invocations
// split into groups (session 10, call 2).
for (const [rm, rn, split] of [[8, 4, 4], [8, 4, 2]]) {
  const whole = { chunkMin: 8192, chunkMax: 8192 };
  CANDIDATES.push([
    `one chunk fill ${rm}x${rn} split ${split}`,
    { state: { ...whole, ...fill(rm, rn, split), byPass: { fwd: whole } } },
    "f32",
  ]);
}

// Fixed chunk lengths (session 7), the state passes' tiles 4 × 8 ("chunk C") or the 4 × 4 fill
// tiles ("chunk C fill") whatever the workgroup count.
for (const c of [64, 128, 256, 512, 1024, 2048, 4096]) {
  CANDIDATES.push([`chunk ${c}`, { state: { chunkMin: c, chunkMax: c, fillBelow: 0 } }, "f32"]);
  CANDIDATES.push([
    `chunk ${c} fill`,
    { state: { chunkMin: c, chunkMax: c, fillBelow: 2 ** 31 } },
    "f32",
  ]);
}

/** Candidates in f32 storage (`--f32T`). */
const F32_CANDIDATES = [
  "default",
  "transposed x",
  "rows 4x8",
  "f16 precision",
  "rows 8x8",
  "scalar state loads",
  "scalar stores",
  "no transposed state",
];

const { values } = parseArgs({
  args: Deno.args,
  options: {
    out: { type: "string" },
    B: { type: "string", default: "8" },
    H: { type: "string", default: "16" },
    D: { type: "string", default: "64" },
    T: { type: "string", default: "1024,32768" },
    f32T: { type: "string", default: "32768" },
    dtype: { type: "string", default: "f16" },
    reps: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    only: { type: "string" },
    "no-ladder": { type: "boolean" },
  },
});
const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
if (!adapter) throw new Error("no WebGPU adapter");
const device = await requestDevice();
const cpu = isCpuAdapter(adapter.info);
const [B, H, D, reps, rounds] = [values.B, values.H, values.D, values.reps, values.rounds].map(
  Number,
);
const only = values.only?.split(",");
const listOf = (s: string) => s.split(",").filter((x) => x !== "").map(Number);
const sections: string[] = [];
const started = performance.now();

/** Writes the report so far (and prints `line` when given). */
async function report(line?: string) {
  if (line !== undefined) console.log(line);
  if (!values.out) return;
  await Deno.mkdir(values.out, { recursive: true });
  const head = `# linear-attention sweep: ${adapter!.info.description || adapter!.info.vendor}, ` +
    `B${B}-H${H}-D${D}, ${new Date().toISOString()}, ` +
    `${((performance.now() - started) / 1000).toFixed(0)} s so far\n`;
  await Deno.writeTextFile(`${values.out}/la_sweep.md`, [head, ...sections].join("\n\n") + "\n");
}

if (!values["no-ladder"]) {
  sections.push("## Ladder\n\n" + ladderTable(await runLadder(device, cpu)));
  await report(sections.at(-1));
}

let precisionOf: LaPrecision = "f32";
let tilingOf: LaTilingOverrides = {};
const op: SweptOp = Object.assign(
  (q: Parameters<SweptOp>[0], k: Parameters<SweptOp>[1], v: Parameters<SweptOp>[2]) =>
    linearAttention(q, k, v, { precision: precisionOf, tiling: tilingOf }),
  {
    vjp: (q: Parameters<SweptOp>[0], k: Parameters<SweptOp>[1], v: Parameters<SweptOp>[2]) =>
      linearAttention.vjp(q, k, v, { precision: precisionOf, tiling: tilingOf }),
  },
);

const f16 = device.features.has("shader-f16");
for (
  const [dtype, Ts, names] of [
    [values.dtype as DType, listOf(values.T), undefined],
    ["f32" as DType, listOf(values.f32T), F32_CANDIDATES],
  ] as const
) {
  if (Ts.length === 0 || (dtype === "f16" && !f16)) continue;
  const chosen = CANDIDATES.filter(([name, , precision]) =>
    (!names || names.includes(name)) && (!only || only.includes(name)) &&
    (precision === "f32" || f16)
  );
  const header = `## ${dtype} storage\n\n| T | candidate | fwd ms | fwd TFLOP/s | fwd+bwd ms | ` +
    `fwd+bwd TFLOP/s | slowest / fastest round | ${DIFF_COLUMN} |\n|---|---|---|---|---|---|---|---|`;
  sections.push(header);
  await report(header);
  const sweep = { device, B, H, D, Ts: [...Ts], dtype, reps, cpu, only: () => true };
  const tilings = chosen.map(([name, tiling, precision]) => ({
    name,
    apply() {
      tilingOf = tiling;
      precisionOf = precision;
    },
  }));
  try {
    await sweepTilings(
      sweep,
      op,
      tilings,
      2,
      async ({ T, name, fwdMs, fwdBwdMs, spread, diff }) => {
        const flops = 4 * B * H * T * D * D;
        const row =
          `| ${T} | ${name} | ${fwdMs.toFixed(3)} | ${(flops / fwdMs / 1e9).toFixed(1)} | ` +
          `${fwdBwdMs.toFixed(3)} | ${(3 * flops / fwdBwdMs / 1e9).toFixed(1)} | ` +
          `${spread.toFixed(2)} | ${diff.toExponential(1)} |`;
        sections[sections.length - 1] += "\n" + row;
        await report(row);
      },
      rounds,
    );
  } catch (e) {
    // Keep what was measured and go on with the next section.
    sections.push(`(${dtype} section stopped: ${(e as Error).message})`);
    await report(sections.at(-1));
  }
}
await report();
console.error(`la_sweep: ${((performance.now() - started) / 1000).toFixed(1)} s`);
