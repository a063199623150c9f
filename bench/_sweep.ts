/**
 * The loop the tile sweeps share (bench/la_tiles.ts, bench/sdpa_tiles.ts): their flags, and
 * for each sequence length and tiling, the output and gradients compared with the first
 * tiling's (same inputs) and the forward and forward+backward GPU times.
 * @module
 */
import { parseArgs } from "node:util";
import {
  type DType,
  quantiles,
  requestDevice,
  type Tensor,
  timeGpu,
  type Vjp,
} from "../ops/_runtime/mod.ts";
import { makeInputs } from "./ops.ts";

/** An attention op as the sweeps call it: `op(q, k, v)` and `op.vjp(q, k, v)`. */
export interface SweptOp {
  (q: Tensor, k: Tensor, v: Tensor): Tensor;
  vjp(q: Tensor, k: Tensor, v: Tensor): Vjp<Tensor, Tensor, { dq: Tensor; dk: Tensor; dv: Tensor }>;
}

/** The sweep's flags and device. */
export interface Sweep {
  device: GPUDevice;
  B: number;
  H: number;
  D: number;
  /** `--T`: the sequence lengths, each a block of table rows. */
  Ts: number[];
  dtype: DType;
  /** `--reps`: timed samples per median. */
  reps: number;
  /** `--only a,b`: whether the tiling `name` is to run (all when the flag is absent). */
  only(name: string): boolean;
}

/** Opens the device and parses `--B --H --D --T --dtype --reps --only` (`T` by default `defaultT`). */
export async function openSweep(defaultT: string): Promise<Sweep> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      B: { type: "string", default: "8" },
      H: { type: "string", default: "16" },
      D: { type: "string", default: "64" },
      T: { type: "string", default: defaultT },
      dtype: { type: "string", default: "f16" },
      reps: { type: "string", default: "10" },
      only: { type: "string" },
    },
  });
  const device = await requestDevice();
  const [B, H, D, reps] = [values.B, values.H, values.D, values.reps].map(Number);
  const only = values.only?.split(",");
  return {
    device,
    B,
    H,
    D,
    Ts: values.T.split(",").map(Number),
    dtype: values.dtype as DType,
    reps,
    only: (name) => !only || only.includes(name),
  };
}

/** One tiling of a sweep: its name and how to make the op use it. */
export interface Tiling {
  name: string;
  apply(): void;
}

/** One measured row: medians in ms, and the largest relative difference to the first tiling. */
export interface SweepRow {
  T: number;
  name: string;
  fwdMs: number;
  fwdBwdMs: number;
  diff: number;
}

/**
 * For each `T` of `sweep` (inputs [B, H, T, D]) and each tiling: applies it, runs `op.vjp`
 * once to compare output, dq, dk and dv with the first tiling's (catches a tiling that breaks
 * the math), warms up with `warmups` forward+backward runs (compiles), times `reps` forward
 * and forward+backward runs and hands the row to `print`.
 */
export async function sweepTilings(
  sweep: Sweep,
  op: SweptOp,
  tilings: readonly Tiling[],
  warmups: number,
  print: (row: SweepRow) => void,
): Promise<void> {
  const { device, B, H, D, dtype, reps } = sweep;
  for (const T of sweep.Ts) {
    using inputs = makeInputs(device, { B, H, T, D }, dtype, "BHTD");
    const { q, k, v, dO } = inputs;
    let first: Float32Array[] | undefined;
    for (const tiling of tilings) {
      tiling.apply();
      const fwd = () => op(q, k, v).destroy();
      const fwdBwd = () => {
        using run = op.vjp(q, k, v);
        const g = run.pullback(dO);
        for (const t of [run.output, g.dq, g.dk, g.dv]) t.destroy();
      };
      using run = op.vjp(q, k, v);
      const g = run.pullback(dO);
      const outs = await Promise.all([run.output, g.dq, g.dk, g.dv].map((t) => t.read()));
      for (const t of [run.output, g.dq, g.dk, g.dv]) t.destroy();
      first ??= outs;
      const diff = Math.max(...outs.map((o, i) => relDiff(o, first![i])));
      await timeGpu(device, fwdBwd, warmups);
      const fwdMs = quantiles(await timeGpu(device, fwd, reps)).p50;
      const fwdBwdMs = quantiles(await timeGpu(device, fwdBwd, reps)).p50;
      print({ T, name: tiling.name, fwdMs, fwdBwdMs, diff });
    }
  }
}

/** Relative RMS difference ‖a − b‖ / ‖b‖ (Infinity when not finite). */
function relDiff(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Number.isFinite(num) ? Math.sqrt(num / den) : Infinity;
}
