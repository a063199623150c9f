/**
 * Tile sweep of the softmax-attention kernels (issue 17): every tiling of `SDPA_TILE_SWEEP`
 * on every path (`SDPA_PATHS`: portable, subgroup reductions with score tiles in workgroup
 * memory, subgroups with shuffles; also with the prefetch of the next streamed tile) for SDPA
 * (forward and forward+backward at B8-H16-D64, T = 4096) and PISA (density 0.1, B2-H16-D64,
 * T = 32768; its default tilings, without prefetch, without `prefetchPseudo`, without
 * `fusedCols`, then the sets whose tiles are powers of two), f16 storage, GPU timestamps, medians of samples back to back. Each row's output and
 * gradients are compared with the first row's of the same op (the portable default: catches a
 * path that breaks the math). Ends with the per-kernel GPU times of the default tilings on each
 * path. Writes `sdpa_sweep.md` into `--out` and prints it. Rows that would start after
 * `--budget` seconds are listed as skipped, so that the run stays inside a command limit.
 *
 *   deno run --no-lock -A bench/sdpa_sweep.ts --out <dir> [--sdpa 8,16,4096,64]
 *     [--pisa 2,16,32768,64] [--dtype f16] [--reps 5] [--pisa-reps 3] [--budget 120]
 *     [--only "default,96 rows"] [--no-pisa] [--no-sdpa]
 *
 * `--only` keeps the named tile sets (PISA's own defaults always run); `--no-pisa` skips PISA,
 * `--no-sdpa` SDPA.
 *
 * TFLOP/s (SDPA) count forward 4·B·H·T²·D and forward+backward 14·B·H·T²·D (issue 17's
 * convention; the kernels execute 18·B·H·T²·D, recomputing the scores in both backward passes).
 * @module
 */
import { parseArgs } from "node:util";
import {
  bytesPerElement,
  type DType,
  requestDevice,
  subgroupSize,
  timeKernels,
} from "../ops/_runtime/mod.ts";
import { fitsSubgroup, type SdpaTiles } from "../shaders/attention_tiles.ts";
import {
  SDPA_PATHS,
  SDPA_PREFETCH_PATH,
  SDPA_TILE_SWEEP,
  type SdpaKind,
  type SdpaPath,
  type SdpaTileSet,
  sdpaTilesValid,
  sdpaWorkgroupBytes,
  tilesOnPath,
} from "../shaders/sdpa/kernels.ts";
import { PISA_TILE_SWEEP, pisaTiles, pisaTilesFit } from "../shaders/piecewise_attention/tiles.ts";
import { scaledDotProductAttentionWith } from "../ops/sdpa/mod.ts";
import { piecewiseSparseAttentionWith } from "../ops/piecewise_attention/mod.ts";
import { makeInputs } from "./ops.ts";
import { adapterName, isCpuAdapter, launchesInBudget } from "./measure.ts";
import { measureSwept, relDiff, type SweptOp } from "./_sweep.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    out: { type: "string" },
    sdpa: { type: "string", default: "8,16,4096,64" },
    pisa: { type: "string", default: "2,16,32768,64" },
    dtype: { type: "string", default: "f16" },
    reps: { type: "string", default: "5" },
    "pisa-reps": { type: "string", default: "3" },
    budget: { type: "string", default: "120" },
    only: { type: "string" },
    "no-pisa": { type: "boolean" },
    "no-sdpa": { type: "boolean" },
  },
});
if (!values.out) throw new TypeError("--out <dir> is required");
const dtype = values.dtype as DType;
const budgetMs = Number(values.budget) * 1000;
const started = performance.now();
const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
if (!adapter) throw new Error("no WebGPU adapter");
// Replaced after a GPU error: the runtime fails every later read on a device that had one.
let device = await requestDevice();
const subgroup = subgroupSize(device);
const cpu = isCpuAdapter(adapter.info);
const kinds: SdpaKind[] = ["fwd", "dq", "dkdv"];

/** One row: a tiling on a path, as an op (or why it does not run here). */
interface Candidate {
  tiling: string;
  path: string;
  op?: SweptOp;
  reason?: string;
}

const shape = (flag: string) => {
  const [B, H, T, D] = flag.split(",").map(Number);
  return { B, H, T, D };
};
const sdpaShape = shape(values.sdpa), pisaShape = shape(values.pisa);
const limits = device.limits;
const only = values.only?.split(",");
const sets = SDPA_TILE_SWEEP.filter((set) => !only || only.includes(set.name));
const describe = (t: SdpaTiles) => `${t.br}×${t.bc}/${t.tr}×${t.tc}`;
const setLabel = (set: SdpaTileSet) => kinds.map((k) => describe(set[k])).join(", ");

/** Why `tiles` cannot run on `path` here, or undefined. */
function unfit(tiles: Record<SdpaKind, SdpaTiles>, path: SdpaPath, fits: FitCheck) {
  if (path.subgroups && subgroup === undefined) return "no subgroups";
  for (const kind of kinds) {
    const size = path.subgroups ? subgroup : undefined;
    if (size !== undefined && !fitsSubgroup(tiles[kind], size)) return `${kind}: TC ∤ subgroup`;
    if (!fits(kind, tiles[kind], size)) return `${kind} does not fit`;
  }
  return undefined;
}
type FitCheck = (kind: SdpaKind, t: SdpaTiles, size: number | undefined) => boolean;

const sdpaFits: FitCheck = (kind, t, size) =>
  sdpaTilesValid(t) && t.tr * t.tc <= limits.maxComputeInvocationsPerWorkgroup &&
  sdpaWorkgroupBytes({ ...t, kind, dk: sdpaShape.D, dv: sdpaShape.D, subgroup: size }) <=
    limits.maxComputeWorkgroupStorageSize;
const pisaFits: FitCheck = (kind, t, size) =>
  pisaTilesFit(kind, t, 64, pisaShape.D, pisaShape.D, limits, size);

const sdpaCandidatesOn = (paths: readonly SdpaPath[]): Candidate[] =>
  sets.flatMap((set) =>
    paths.map((path) => {
      const tiles = tilesOnPath(set, path);
      const reason = unfit(tiles, path, sdpaFits);
      const op = reason ? undefined : scaledDotProductAttentionWith({
        subgroups: path.subgroups,
        tiles,
      });
      return { tiling: `${set.name} (${setLabel(set)})`, path: path.name, op, reason };
    })
  );
// PISA's paths: SDPA's, and the prefetch with score tiles in memory (PISA's default) and by
// shuffles.
const PISA_PATHS: readonly SdpaPath[] = [
  ...SDPA_PATHS,
  { name: "subgroups+prefetch", subgroups: true, shuffle: false, prefetch: true },
  SDPA_PREFETCH_PATH,
];
/** PISA's default tilings on the subgroup path, with `change` applied to the kernels `to`. */
function pisaDefaultsWith(
  change: Partial<SdpaTiles>,
  to: readonly SdpaKind[],
): Record<SdpaKind, SdpaTiles> {
  const tiles = (kind: SdpaKind) => ({
    ...pisaTiles(kind, 64, pisaShape.D, pisaShape.D, limits, subgroup).tiles,
    ...(to.includes(kind) ? change : {}),
  });
  return { fwd: tiles("fwd"), dq: tiles("dq"), dkdv: tiles("dkdv") };
}
// PISA: its own default tilings (the first power-of-two candidates) on the portable path, on
// the subgroup path (prefetch of the exact and pseudo-key tiles, dk/dv's two passes in one
// dispatch), there without prefetch, without the pseudo-key prefetch, with two dk/dv dispatches;
// then the sweep's sets whose tiles are all powers of two.
const PISA_DEFAULT_ROWS = 5;
const pisaCandidates: Candidate[] = [
  ...[
    { name: "portable", subgroups: false },
    { name: "subgroups (default)", subgroups: true },
    {
      name: "subgroups, no prefetch",
      subgroups: true,
      change: { prefetch: false, prefetchPseudo: false },
      to: kinds,
    },
    {
      name: "subgroups, no pseudo-key prefetch",
      subgroups: true,
      change: { prefetchPseudo: false },
      to: ["fwd", "dq"] as SdpaKind[],
    },
    {
      name: "subgroups, two dk/dv dispatches",
      subgroups: true,
      change: { fusedCols: false },
      to: ["dkdv"] as SdpaKind[],
    },
  ].map((path) => {
    const tiles = path.change && subgroup !== undefined
      ? pisaDefaultsWith(path.change, path.to)
      : undefined;
    const reason = path.subgroups && subgroup === undefined
      ? "no subgroups"
      : tiles && unfit(tiles, { ...path, shuffle: false, prefetch: true }, pisaFits);
    const op = reason ? undefined : piecewiseSparseAttentionWith({
      subgroups: path.subgroups,
      tiles,
    });
    return { tiling: "default", path: path.name, op, reason };
  }),
  ...sets.filter((set) =>
    set !== SDPA_TILE_SWEEP[0] && kinds.every((k) => pisaFits(k, set[k], undefined))
  ).flatMap((set) => pisaRowsOf(set, PISA_PATHS)),
  ...PISA_TILE_SWEEP.filter((set) => !only || only.includes(set.name))
    .flatMap((set) => pisaRowsOf(set, PISA_PATHS.filter((path) => path.shuffle))),
];

/** PISA's rows of tile set `set` on `paths`. */
function pisaRowsOf(set: SdpaTileSet, paths: readonly SdpaPath[]): Candidate[] {
  return paths.map((path) => {
    const tiles = tilesOnPath(set, path);
    const reason = unfit(tiles, path, pisaFits);
    const op = reason ? undefined : piecewiseSparseAttentionWith({
      subgroups: path.subgroups,
      tiles,
    });
    return { tiling: `${set.name} (${setLabel(set)})`, path: path.name, op, reason };
  });
}

/** Measured row. */
interface Row extends Candidate {
  fwdMs?: number;
  fwdBwdMs?: number;
  diff?: number;
}

/**
 * Times `candidates` on inputs of shape `s`; the diff column compares with `reference` (the
 * outputs of an earlier sweep on the same inputs), else with the first row.
 */
async function sweep(
  candidates: Candidate[],
  s: { B: number; H: number; T: number; D: number },
  reps: number,
  reference?: Float32Array[],
): Promise<{ rows: Row[]; first?: Float32Array[] }> {
  const rows: Row[] = [];
  const cap = launchesInBudget(s.B * s.H * s.T * s.D * bytesPerElement(dtype), cpu);
  let inputs = makeInputs(device, s, dtype, "BHTD");
  let first = reference;
  for (const c of candidates) {
    if (!c.op) {
      rows.push(c);
      continue;
    }
    if (performance.now() - started > budgetMs) {
      rows.push({ ...c, reason: "skipped: time budget" });
      continue;
    }
    try {
      const { outs, fwdMs, fwdBwdMs } = await measureSwept(c.op, inputs, reps, cap, 1);
      first ??= outs;
      const diff = Math.max(...outs.map((o, i) => relDiff(o, first![i])));
      const row = { ...c, fwdMs, fwdBwdMs, diff };
      console.error(line(row, s)); // progress
      rows.push(row);
    } catch (e) { // a kernel the driver refused: note it, go on on a fresh device
      const reason = `error: ${(e as Error).message.replaceAll("|", "/").slice(0, 160)}`;
      console.error(c.tiling, c.path, reason);
      rows.push({ ...c, reason });
      inputs[Symbol.dispose]();
      device = await requestDevice();
      inputs = makeInputs(device, s, dtype, "BHTD");
    }
  }
  inputs[Symbol.dispose]();
  return { rows, first };
}

const tflops =
  (s: { B: number; H: number; T: number; D: number }, flopsPerBHT2D: number) => (ms: number) =>
    (flopsPerBHT2D * s.B * s.H * s.T * s.T * s.D / ms / 1e9).toFixed(1);

function line(r: Row, s: { B: number; H: number; T: number; D: number }, sdpa = true): string {
  if (r.fwdMs === undefined) return `| ${r.tiling} | ${r.path} | ${r.reason} | | | | |`;
  const f = sdpa ? ` (${tflops(s, 4)(r.fwdMs)})` : "";
  const fb = sdpa ? ` (${tflops(s, 14)(r.fwdBwdMs!)})` : "";
  return `| ${r.tiling} | ${r.path} | ${r.fwdMs.toFixed(2)}${f} | ${
    r.fwdBwdMs!.toFixed(2)
  }${fb} | ` +
    `${(r.fwdBwdMs! - r.fwdMs).toFixed(2)} | ${r.diff!.toExponential(1)} |`;
}

/** Per-kernel GPU times (ms) of one forward+backward of `op`. */
async function breakdown(op: SweptOp, s: { B: number; H: number; T: number; D: number }) {
  using inputs = makeInputs(device, s, dtype, "BHTD");
  const { q, k, v, dO } = inputs;
  const work = () => {
    using run = op.vjp(q, k, v);
    const g = run.pullback(dO);
    for (const t of [run.output, g.dq, g.dk, g.dv]) t.destroy();
  };
  work(); // compile
  const times = await timeKernels(device, work);
  return times.map((t) => `${t.name} ${t.ms.toFixed(2)}`).join(", ");
}

const header = (what: string) =>
  `| tiling (fwd, dq, dk/dv: BR×BC/TR×TC) | path | fwd ms${what} | fwd+bwd ms${what} | ` +
  `bwd ms | max rel. diff vs first row |\n|---|---|---|---|---|---|`;
// The forward's prefetch last: the rows most likely to be cut by the budget.
const sdpa = values["no-sdpa"]
  ? { rows: [] }
  : await sweep(sdpaCandidatesOn(SDPA_PATHS), sdpaShape, Number(values.reps));
const pisaRows = values["no-pisa"]
  ? []
  : (await sweep(pisaCandidates, pisaShape, Number(values["pisa-reps"]))).rows;
const prefetch = values["no-sdpa"] ? [] : sdpaCandidatesOn([SDPA_PREFETCH_PATH]);
const sdpaRows = [
  ...sdpa.rows,
  ...(await sweep(prefetch, sdpaShape, Number(values.reps), sdpa.first)).rows,
];
const breakdowns: string[] = [];
for (
  const [name, rows, s] of [["SDPA", sdpaRows, sdpaShape], ["PISA", pisaRows, pisaShape]] as const
) {
  for (const r of rows.slice(0, name === "PISA" ? PISA_DEFAULT_ROWS : 3)) { // the defaults
    if (!r.op || performance.now() - started > budgetMs + 8_000) continue;
    try {
      breakdowns.push(`- ${name} ${r.tiling}, ${r.path}: ${await breakdown(r.op, s)}`);
    } catch (e) {
      breakdowns.push(`- ${name} ${r.tiling}, ${r.path}: error ${(e as Error).message}`);
      device = await requestDevice();
    }
  }
}

const { B, H, T, D } = sdpaShape;
const report = `# SDPA / PISA tile sweep (bench/sdpa_sweep.ts)

${new Date().toISOString()} · ${adapterName(adapter.info)} · subgroup size ${subgroup ?? "none"} ·
${dtype} storage · \`${["deno run --no-lock -A bench/sdpa_sweep.ts", ...Deno.args].join(" ")}\` ·
${((performance.now() - started) / 1000).toFixed(0)} s. Medians of GPU timestamps, samples back
to back; the diff column compares o, dq, dk, dv (first 2^20 elements each) with the first row.

## SDPA B${B}-H${H}-D${D}, T = ${T} (TFLOP/s: fwd 4·B·H·T²·D, fwd+bwd 14·B·H·T²·D)

${header(" (TFLOP/s)")}
${sdpaRows.map((r) => line(r, sdpaShape)).join("\n")}

## PISA density 0.1, blockSize 64, B${pisaShape.B}-H${pisaShape.H}-D${pisaShape.D}, T = ${pisaShape.T}

${header("")}
${pisaRows.map((r) => line(r, pisaShape, false)).join("\n")}

## Per-kernel GPU time of one fwd+bwd (ms; one pass per dispatch)

${breakdowns.join("\n")}
`;
await Deno.mkdir(values.out, { recursive: true });
await Deno.writeTextFile(`${values.out}/sdpa_sweep.md`, report);
console.log(report);
