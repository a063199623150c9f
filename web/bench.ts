/**
 * Time vs sequence length of attention ops on the page's GPU: GPU timestamps (`timeGpu`) when
 * the device has `timestamp-query`, else wall clock with one await per batch of launches.
 * @module
 */
import type { Lib } from "./check_helpers.ts";
import type * as FlashBla from "./lib.ts";

type Tensor = FlashBla.Tensor;

/** An attention op of the package: `(q, k, v) → o`, all `[B, H, T, D]`. */
export type AttentionOp = (q: Tensor, k: Tensor, v: Tensor) => Tensor;

/** Problem size and timing effort of {@linkcode sweep}. */
export interface SweepOptions {
  /** Sequence lengths to time. */
  lengths: number[];
  /** Batch B; default 1. */
  batch?: number;
  /** Heads H; default 4. */
  heads?: number;
  /** Head dim D; default 64. */
  headDim?: number;
  /** Storage dtype; default `"f32"`. */
  dtype?: FlashBla.DType;
  /** Launches per timed sample (amortises timer resolution); default 4. */
  reps?: number;
  /** Timed samples per point (the median is kept); default 5. */
  samples?: number;
}

/** One point of the sweep: milliseconds per call of each op at length `T`. */
export interface SweepRow {
  /** Sequence length. */
  T: number;
  /** Median milliseconds per call, by op name. */
  ms: Record<string, number>;
}

/** How a sweep was timed. */
export type Clock = "gpu timestamps" | "wall clock";

/**
 * Median milliseconds of one `work()` call: `work` records GPU work synchronously (ops do);
 * each sample runs it `reps` times, timed by GPU timestamps when the device has
 * `timestamp-query`, else by wall clock around one await.
 */
export async function timeWork(
  lib: Lib,
  device: GPUDevice,
  work: () => void,
  reps: number,
  samples: number,
): Promise<number> {
  const batch = () => {
    for (let r = 0; r < reps; r++) work();
  };
  work(); // compiles the pipelines outside the timed samples
  const times: number[] = [];
  if (device.features.has("timestamp-query")) {
    times.push(...await lib.timeGpu(device, batch, samples));
  } else {
    for (let s = 0; s < samples; s++) {
      lib.flush(device);
      await device.queue.onSubmittedWorkDone();
      const t0 = performance.now();
      batch();
      lib.flush(device);
      await device.queue.onSubmittedWorkDone();
      times.push(performance.now() - t0);
    }
  }
  return lib.quantiles(times).p50 / reps;
}

/** Median milliseconds per call of `op` on random inputs of `shape` (`[B, H, T, D]`). */
export async function timeOp(
  lib: Lib,
  device: GPUDevice,
  op: AttentionOp,
  shape: number[],
  dtype: FlashBla.DType,
  reps: number,
  samples: number,
): Promise<number> {
  const n = shape.reduce((a, b) => a * b, 1);
  const make = () =>
    lib.Tensor.fromArraySync(device, Float32Array.from({ length: n }, Math.random), shape, dtype);
  const [q, k, v] = [make(), make(), make()];
  try {
    return await timeWork(lib, device, () => op(q, k, v).destroy(), reps, samples);
  } finally {
    for (const t of [q, k, v]) t.destroy();
  }
}

/** Which clock {@linkcode timeOp} uses on `device`. */
export function clockOf(device: GPUDevice): Clock {
  return device.features.has("timestamp-query") ? "gpu timestamps" : "wall clock";
}

/** Where a {@linkcode sweep} is: `done` of `total` (op, length) steps, and the one running. */
export interface SweepProgress {
  done: number;
  total: number;
  op: string;
  T: number;
}

/** Callbacks and cancellation of {@linkcode sweep}. */
export interface SweepHooks {
  /** Called with the rows so far after each length (to redraw a chart). */
  onRow?: (rows: SweepRow[]) => void;
  /** Called before each (op, length) step starts. */
  onProgress?: (progress: SweepProgress) => void;
  /**
   * Stops the sweep before its next step (a step already on the GPU finishes first); the
   * rows measured so far are returned, a partly measured length included.
   */
  signal?: AbortSignal;
}

/**
 * Times every op at every length, reporting progress and stopping early when `signal` aborts.
 * An op that throws at some length (e.g. out of memory) is left out of that row.
 */
export async function sweep(
  lib: Lib,
  device: GPUDevice,
  ops: Record<string, AttentionOp>,
  options: SweepOptions,
  hooks: SweepHooks = {},
): Promise<SweepRow[]> {
  const { batch = 1, heads = 4, headDim = 64, dtype = "f32", reps = 4, samples = 5 } = options;
  const { onRow, onProgress, signal } = hooks;
  const rows: SweepRow[] = [];
  const total = options.lengths.length * Object.keys(ops).length;
  let done = 0;
  for (const T of options.lengths) {
    if (signal?.aborted) break;
    const row: SweepRow = { T, ms: {} };
    for (const [name, op] of Object.entries(ops)) {
      if (signal?.aborted) break;
      onProgress?.({ done, total, op: name, T });
      try {
        row.ms[name] = await timeOp(
          lib,
          device,
          op,
          [batch, heads, T, headDim],
          dtype,
          reps,
          samples,
        );
      } catch (error) {
        console.warn(`${name} at T=${T} skipped:`, error);
      }
      done++;
    }
    if (Object.keys(row.ms).length) rows.push(row);
    onRow?.(rows);
  }
  return rows;
}

/**
 * Sweep sizes for an adapter: a CPU adapter (SwiftShader, lavapipe, WARP) takes seconds per
 * point at T = 1024, so it starts small.
 */
export function defaultsFor(cpu: boolean): { runLength: number; maxLength: number } {
  return cpu ? { runLength: 256, maxLength: 512 } : { runLength: 1024, maxLength: 4096 };
}
