/**
 * The loop the tile sweeps share (bench/la_sweep.ts; bench/sdpa_sweep.ts uses its pieces): their
 * flags, and
 * for each sequence length and tiling, the output and gradients compared with the first
 * tiling's (same inputs; on a bounded prefix, so that T = 32768 reads back 16 MiB, not 2 GiB)
 * and the forward and forward+backward GPU times (samples back to back, bench/measure.ts).
 * @module
 */
import { parseArgs } from "node:util";
import {
  bytesPerElement,
  deviceContext,
  type DType,
  requestDevice,
  storageBuffer,
  Tensor,
  timeGpu,
  type Vjp,
} from "../ops/_runtime/mod.ts";
import { type Inputs, makeInputs } from "./ops.ts";
import { backToBack, gpuTime, isCpuAdapter, keepBusy, launchesInBudget } from "./measure.ts";

/** Elements of each of o, dq, dk, dv that the sweeps compare between tilings. */
export const CHECKED_PREFIX = 2 ** 20;

/** The table column of the comparison, saying what is compared. */
export const DIFF_COLUMN = "max rel. diff vs first (o, dq, dk, dv: first 2^20 elements each)";

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
  /** Whether the adapter runs on the CPU (a smaller memory budget for queued samples). */
  cpu: boolean;
  /** `--only a,b`: whether the tiling `name` is to run (all when the flag is absent). */
  only(name: string): boolean;
}

/**
 * The first `n` elements of `t` (all of them when it has fewer) as f32: copied on the GPU into
 * a tensor of `min(n, t.size)` elements, which alone is read back.
 *
 * @example
 * ```ts
 * using o = linearAttention(q, k, v);
 * const head = await readPrefix(o, 2 ** 20); // 4 MiB, whatever o's size
 * ```
 */
export async function readPrefix(t: Tensor, n: number): Promise<Float32Array<ArrayBuffer>> {
  const count = Math.min(n, t.size);
  using prefix = Tensor.empty(t.device, [count], t.dtype);
  const bytes = Math.ceil((count * bytesPerElement(t.dtype)) / 4) * 4; // copies: 4-byte multiples
  deviceContext(t.device).recorder.encoder().copyBufferToBuffer(
    storageBuffer(t),
    0,
    storageBuffer(prefix),
    0,
    bytes,
  );
  return await prefix.read();
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
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("no WebGPU adapter");
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
    cpu: isCpuAdapter(adapter.info),
    only: (name) => !only || only.includes(name),
  };
}

/** One tiling of a sweep: its name and how to make the op use it. */
export interface Tiling {
  name: string;
  apply(): void;
}

/**
 * One measured row: the fastest of the rounds' medians in ms, the slowest over the fastest
 * (`spread`, 1 when the rounds agree), and the largest relative difference to the first tiling.
 */
export interface SweepRow {
  T: number;
  name: string;
  fwdMs: number;
  fwdBwdMs: number;
  spread: number;
  diff: number;
}

/**
 * For each `T` of `sweep` (inputs [B, H, T, D]) and each tiling: applies it, runs `op.vjp`
 * once to compare output, dq, dk and dv with the first tiling's on their first
 * {@linkcode CHECKED_PREFIX} elements (catches a tiling that breaks the math), warms up with
 * `warmups` forward+backward runs (compiles), times `reps` forward and forward+backward runs
 * (back to back, after warm-up launches, as far as memory allows) and hands the row to
 * `print`.
 *
 * The tilings are timed in `rounds` interleaved rounds and each keeps its fastest median: on the
 * H200 a median sometimes reads 1.5–5× slow for a few seconds after the host compiled new
 * pipelines (the GPU idle in the meantime), whichever tiling comes next (bench/NOTES.md,
 * session 3); the fast readings repeat within 1 % across processes.
 */
export async function sweepTilings(
  sweep: Sweep,
  op: SweptOp,
  tilings: readonly Tiling[],
  warmups: number,
  print: (row: SweepRow) => void | Promise<void>,
  rounds = 2,
): Promise<void> {
  const { device, B, H, D, dtype, reps } = sweep;
  for (const T of sweep.Ts) {
    const cap = launchesInBudget(B * H * T * D * bytesPerElement(dtype), sweep.cpu);
    using inputs = makeInputs(device, { B, H, T, D }, dtype, "BHTD");
    let first: Float32Array[] | undefined;
    const diffs: number[] = [], fwd: number[][] = [], fwdBwd: number[][] = [];
    for (let round = 0; round < rounds; round++) {
      for (const [i, tiling] of tilings.entries()) {
        tiling.apply();
        // The outputs are compared once, in the first round.
        const m = await measureSwept(op, inputs, reps, cap, warmups, round === 0);
        if (round === 0) {
          first ??= m.outs;
          diffs[i] = Math.max(...m.outs.map((o, j) => relDiff(o, first![j])));
        }
        (fwd[i] ??= []).push(m.fwdMs);
        (fwdBwd[i] ??= []).push(m.fwdBwdMs);
      }
    }
    for (const [i, tiling] of tilings.entries()) {
      const ratio = (xs: number[]) => Math.max(...xs) / Math.min(...xs);
      const spread = Math.max(ratio(fwd[i]), ratio(fwdBwd[i]));
      await print({
        T,
        name: tiling.name,
        fwdMs: Math.min(...fwd[i]),
        fwdBwdMs: Math.min(...fwdBwd[i]),
        spread,
        diff: diffs[i],
      });
    }
  }
}

/**
 * One sweep row's measurements: with `compare`, o, dq, dk, dv of one forward+backward (first
 * {@linkcode CHECKED_PREFIX} elements each; else `outs` is empty), then for the forward and the
 * forward+backward: `warmups` timed runs (compiles; their fastest sizes the warm-up launches,
 * `backToBack`) and the median of `reps` GPU times back to back, at most `cap` launches per submit.
 */
export async function measureSwept(
  op: SweptOp,
  inputs: Inputs,
  reps: number,
  cap: number,
  warmups: number,
  compare = true,
): Promise<{ outs: Float32Array<ArrayBuffer>[]; fwdMs: number; fwdBwdMs: number }> {
  const { q, k, v, dO } = inputs;
  const fwd = () => op(q, k, v).destroy();
  const fwdBwd = () => {
    using run = op.vjp(q, k, v);
    const g = run.pullback(dO);
    for (const t of [run.output, g.dq, g.dk, g.dv]) t.destroy();
  };
  const outs: Float32Array<ArrayBuffer>[] = [];
  if (compare) {
    using run = op.vjp(q, k, v);
    const g = run.pullback(dO);
    const results = [run.output, g.dq, g.dk, g.dv];
    outs.push(...await Promise.all(results.map((t) => readPrefix(t, CHECKED_PREFIX))));
    for (const t of results) t.destroy();
  }
  const device = q.device;
  // Each op is timed as the profiler times it (its fastest warm-up run sizes the untimed
  // warm-up launches, then the samples run back to back), after ≈ 200 ms of keeping the GPU busy.
  const timed = async (work: () => void) => {
    const launchMs = Math.min(...await timeGpu(device, work, warmups));
    if (!isCpuAdapter(device.adapterInfo)) await keepBusy(device, work, launchMs, cap);
    const plan = backToBack(launchMs, reps, cap);
    return (await gpuTime(device, work, reps, plan.perSubmit, plan.warmup)).p50;
  };
  const fwdMs = await timed(fwd);
  const fwdBwdMs = await timed(fwdBwd);
  return { outs, fwdMs, fwdBwdMs };
}

/** Relative RMS difference ‖a − b‖ / ‖b‖ (Infinity when not finite). */
export function relDiff(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Number.isFinite(num) ? Math.sqrt(num / den) : Infinity;
}
