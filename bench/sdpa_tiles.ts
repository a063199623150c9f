/**
 * Tile sweep for `scaledDotProductAttention` (issue 5): times forward and forward+backward for
 * each tiling of `SDPA_TILE_SWEEP` on one shape, checks every tiling's output and gradients
 * against the first tiling's (same inputs), and prints a table. TFLOP/s count the FMAs the
 * kernels execute: forward 4·B·H·T²·D (QKᵀ, PV), forward+backward 18·B·H·T²·D (plus QKᵀ,
 * dO Vᵀ, dS K in the dq pass and QKᵀ, dO Vᵀ, Pᵀ dO, dSᵀ Q in the dk/dv pass).
 *
 *   deno run -A bench/sdpa_tiles.ts [--B 8 --H 16 --D 64 --T 1024,4096 --dtype f16]
 * @module
 */
import { parseArgs } from "node:util";
import { type DType, quantiles, requestDevice, timeGpu } from "../ops/_runtime/mod.ts";
import { scaledDotProductAttention } from "../ops/sdpa/mod.ts";
import { SDPA_TILE_SWEEP, SDPA_TILES, sdpaWorkgroupBytes } from "../shaders/sdpa.ts";
import { makeInputs } from "./ops.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    B: { type: "string", default: "8" },
    H: { type: "string", default: "16" },
    D: { type: "string", default: "64" },
    T: { type: "string", default: "1024,4096" },
    dtype: { type: "string", default: "f16" },
    reps: { type: "string", default: "10" },
    only: { type: "string" },
  },
});
const device = await requestDevice();
const [B, H, D, reps] = [values.B, values.H, values.D, values.reps].map(Number);
const dtype = values.dtype as DType;
const kinds = ["fwd", "dq", "dkdv"] as const;
const limit = device.limits.maxComputeWorkgroupStorageSize;
const chosen = SDPA_TILE_SWEEP.filter((set) =>
  (!values.only || values.only.split(",").includes(set.name)) &&
  kinds.every((kind) => sdpaWorkgroupBytes({ ...set[kind], kind, dk: D, dv: D }) <= limit)
);
const defaults = kinds.map((kind) => SDPA_TILES[kind]);

console.log(`| T | tiling | fwd ms | fwd TFLOP/s | fwd+bwd ms | fwd+bwd TFLOP/s | rel. diff |`);
console.log(`|---|---|---|---|---|---|---|`);
for (const T of values.T.split(",").map(Number)) {
  using inputs = makeInputs(device, { B, H, T, D }, dtype, "BHTD");
  const { q, k, v, dO } = inputs;
  let first: Float32Array[] | undefined;
  for (const set of chosen) {
    kinds.forEach((kind, i) => SDPA_TILES[kind] = [set[kind], ...defaults[i]]);
    const fwd = () => scaledDotProductAttention(q, k, v).destroy();
    const fwdBwd = () => {
      using run = scaledDotProductAttention.vjp(q, k, v);
      const g = run.pullback(dO);
      for (const t of [run.output, g.dq, g.dk, g.dv]) t.destroy();
    };
    // Correctness against the first tiling (catches a tiling that breaks the math).
    using run = scaledDotProductAttention.vjp(q, k, v);
    const g = run.pullback(dO);
    const outs = await Promise.all([run.output, g.dq, g.dk, g.dv].map((t) => t.read()));
    for (const t of [run.output, g.dq, g.dk, g.dv]) t.destroy();
    first ??= outs;
    const diff = Math.max(...outs.map((o, i) => relDiff(o, first![i])));
    await timeGpu(device, fwdBwd, 1); // warm-up (compiles)
    const tf = quantiles(await timeGpu(device, fwd, reps)).p50;
    const tb = quantiles(await timeGpu(device, fwdBwd, reps)).p50;
    const tflops = (gemms: number, ms: number) => (2 * gemms * B * H * T * T * D / ms / 1e9);
    console.log(
      `| ${T} | ${set.name} | ${tf.toFixed(3)} | ${tflops(2, tf).toFixed(1)} | ` +
        `${tb.toFixed(3)} | ${tflops(9, tb).toFixed(1)} | ${diff.toExponential(1)} |`,
    );
  }
}
kinds.forEach((kind, i) => SDPA_TILES[kind] = defaults[i]);

function relDiff(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Number.isFinite(num) ? Math.sqrt(num / den) : Infinity;
}
