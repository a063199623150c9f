/**
 * Tile sweep for `scaledDotProductAttention` (issue 5): times forward and forward+backward for
 * each tiling of `SDPA_TILE_SWEEP` on one shape, checks every tiling's output and gradients
 * against the first tiling's (same inputs; the first 2^20 elements of each), and prints a
 * table. TFLOP/s count the FMAs the kernels execute: forward 4·B·H·T²·D (QKᵀ, PV),
 * forward+backward 18·B·H·T²·D (plus QKᵀ, dO Vᵀ, dS K in the dq pass and QKᵀ, dO Vᵀ, Pᵀ dO,
 * dSᵀ Q in the dk/dv pass).
 *
 *   deno run -A bench/sdpa_tiles.ts [--B 8 --H 16 --D 64 --T 1024,4096 --dtype f16]
 * @module
 */
import { scaledDotProductAttention } from "../ops/sdpa/mod.ts";
import { SDPA_TILE_SWEEP, SDPA_TILES, sdpaWorkgroupBytes } from "../shaders/sdpa/kernels.ts";
import { DIFF_COLUMN, openSweep, sweepTilings } from "./_sweep.ts";

const sweep = await openSweep("1024,4096");
const { device, B, H, D } = sweep;
const kinds = ["fwd", "dq", "dkdv"] as const;
const limit = device.limits.maxComputeWorkgroupStorageSize;
const defaults = kinds.map((kind) => SDPA_TILES[kind]);
const tilings = SDPA_TILE_SWEEP.filter((set) =>
  sweep.only(set.name) &&
  kinds.every((kind) => sdpaWorkgroupBytes({ ...set[kind], kind, dk: D, dv: D }) <= limit)
).map((set) => ({
  name: set.name,
  apply: () => kinds.forEach((kind, i) => SDPA_TILES[kind] = [set[kind], ...defaults[i]]),
}));

console.log(
  `| T | tiling | fwd ms | fwd TFLOP/s | fwd+bwd ms | fwd+bwd TFLOP/s | ${DIFF_COLUMN} |`,
);
console.log(`|---|---|---|---|---|---|---|`);
await sweepTilings(sweep, scaledDotProductAttention, tilings, 1, (row) => {
  const { T, fwdMs, fwdBwdMs } = row;
  const tflops = (gemms: number, ms: number) => (2 * gemms * B * H * T * T * D / ms / 1e9);
  console.log(
    `| ${T} | ${row.name} | ${fwdMs.toFixed(3)} | ${tflops(2, fwdMs).toFixed(1)} | ` +
      `${fwdBwdMs.toFixed(3)} | ${tflops(9, fwdBwdMs).toFixed(1)} | ${row.diff.toExponential(1)} |`,
  );
});
kinds.forEach((kind, i) => SDPA_TILES[kind] = defaults[i]);
